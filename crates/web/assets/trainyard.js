// Trainyard's only script of its own: confirmations for destructive buttons, without inline JS
// (the Content-Security-Policy allows no inline script and no inline style).
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
document.addEventListener("click", function (e) {
  var back = e.target.closest && e.target.closest("[data-back]");
  if (back && window.history.length > 1) { e.preventDefault(); window.history.back(); }
});
// Timeline rows with more lanes than the stylesheet has classes for: set through the CSSOM,
// which the CSP allows (style attributes in the markup it does not).
function layOutLanes() {
  document.querySelectorAll("[data-lanes]").forEach(function (el) {
    el.style.setProperty("--tl-lanes", el.getAttribute("data-lanes"));
  });
  document.querySelectorAll("[data-lane]").forEach(function (el) {
    el.style.gridRow = el.getAttribute("data-lane");
  });
}
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", layOutLanes);
} else {
  layOutLanes();
}
// A new session: choosing the course reloads the form with the course's price and its parts
// (one per day of the course, hours_per_day long), proposed by the server.
document.addEventListener("change", function (e) {
  var sel = e.target;
  if (!sel.matches || !sel.matches('form[action="/sessions"] select[name="course_id"]')) return;
  if (!sel.value || window.location.pathname !== "/sessions/new") return;
  var q = new URLSearchParams(window.location.search);
  q.set("course_id", sel.value);
  window.location.search = q.toString();
});
// A refusal shown again on the page where the user acted (a staffing action on a session's
// page): bring it into view and give it focus, so it is read out and seen at once.
function showRefusal() {
  var here = document.querySelector("[data-scroll-here]");
  if (!here) return;
  (here.closest("section") || here).scrollIntoView({ block: "start" });
  here.focus({ preventScroll: true });
}
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", showRefusal);
} else {
  showRefusal();
}
