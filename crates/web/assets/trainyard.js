// Trainyard's only script of its own: confirmations for destructive buttons, without inline JS.
document.addEventListener("submit", function (e) {
  var msg = e.target.getAttribute && e.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) { e.preventDefault(); }
});
document.addEventListener("click", function (e) {
  var add = e.target.closest && e.target.closest("[data-add-part]");
  if (!add) return;
  e.preventDefault();
  var box = document.getElementById(add.getAttribute("data-add-part"));
  var rows = box.querySelectorAll(".part-row");
  var last = rows[rows.length - 1];
  var copy = last.cloneNode(true);
  copy.querySelectorAll("input").forEach(function (i) { i.value = ""; });
  var label = copy.querySelector("label");
  if (label && label.firstChild) label.firstChild.nodeValue = "Part " + (rows.length + 1) + " starts ";
  box.insertBefore(copy, add);
});
document.addEventListener("click", function (e) {
  if (e.target.closest && e.target.closest("[data-print]")) { window.print(); }
});
