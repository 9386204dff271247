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
  // The label in the page's language: "Part # starts" with the number put in.
  var words = box.getAttribute("data-part-label") || "Part # starts";
  if (label && label.firstChild) label.firstChild.nodeValue = words.replace("#", rows.length + 1) + " ";
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
// Tabs ([data-tabs], the session page): one panel shown at a time. The tab comes from ?tab= or,
// after a form returned to a #panel inside a tab, from that panel; choosing a tab keeps it in the
// address (a reload lands on it). The links are plain ?tab= links, which the server renders alone
// for a browser without script. Arrow keys, Home and End move between tabs (WAI-ARIA tabs).
function setUpTabs() {
  document.querySelectorAll("[data-tabs]").forEach(function (list) {
    var tabs = Array.prototype.slice.call(list.querySelectorAll("[role=tab]"));
    if (!tabs.length) return;
    var panelOf = function (t) { return document.getElementById(t.getAttribute("aria-controls")); };
    var show = function (key) {
      tabs.forEach(function (t) {
        var on = t.getAttribute("data-tab") === key;
        t.setAttribute("aria-selected", on ? "true" : "false");
        t.tabIndex = on ? 0 : -1;
        var p = panelOf(t);
        if (p) p.hidden = !on;
      });
    };
    var known = function (key) { return tabs.some(function (t) { return t.getAttribute("data-tab") === key; }); };
    var fromHash = function () {
      var id = decodeURIComponent(window.location.hash.slice(1));
      var el = id && document.getElementById(id);
      var p = el && el.closest("[role=tabpanel]");
      return p ? p.getAttribute("data-tab") : null;
    };
    // A refused action comes back with its refusal in view: open the tab that holds it.
    var refused = document.querySelector("[data-scroll-here]");
    var refusedPanel = refused && refused.closest("[role=tabpanel]");
    var initial = (refusedPanel && refusedPanel.getAttribute("data-tab")) || fromHash() || new URLSearchParams(window.location.search).get("tab");
    show(known(initial) ? initial : tabs[0].getAttribute("data-tab"));
    if (fromHash()) {
      var target = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
      if (target) target.scrollIntoView();
    }
    var choose = function (t) {
      var key = t.getAttribute("data-tab");
      show(key);
      var url = new URL(window.location.href);
      url.searchParams.set("tab", key);
      url.hash = "";
      window.history.replaceState(null, "", url.toString());
    };
    list.addEventListener("click", function (e) {
      var t = e.target.closest("[role=tab]");
      if (!t || e.ctrlKey || e.metaKey || e.shiftKey) return;
      e.preventDefault();
      choose(t);
    });
    list.addEventListener("keydown", function (e) {
      var i = tabs.indexOf(document.activeElement);
      if (i < 0) return;
      var next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
      if (next === undefined) return;
      e.preventDefault();
      var t = tabs[(next + tabs.length) % tabs.length];
      t.focus();
      choose(t);
    });
    window.addEventListener("hashchange", function () {
      var key = fromHash();
      if (key) {
        show(key);
        var el = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
        if (el) el.scrollIntoView();
      }
    });
  });
}
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", setUpTabs);
} else {
  setUpTabs();
}
// On a phone the filter bar starts closed even with a filter set (its summary counts them): the
// list, not the form, is what the small screen is for.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.matchMedia("(max-width: 600px)").matches) return;
  document.querySelectorAll("details.filter-bar[open]").forEach(function (d) { d.open = false; });
});
// Learner pickers (input[data-learner-search] with a <datalist>): suggestions as one types, from
// the search URL in the attribute; choosing one puts its id in the hidden input named by
// data-picked. Anything else typed is sent as text, which the server reads as an e-mail or an
// exact name (so the form also works without this script).
(function () {
  var timers = new WeakMap();
  var pick = function (input) {
    var hidden = document.getElementById(input.getAttribute("data-picked"));
    if (!hidden || !input.list) return;
    var chosen = Array.prototype.find.call(input.list.options, function (o) { return o.value === input.value; });
    hidden.value = chosen ? chosen.getAttribute("data-id") : "";
    return !!chosen;
  };
  var suggest = function (input) {
    var url = new URL(input.getAttribute("data-learner-search"), window.location.href);
    url.searchParams.set("q", input.value.replace(/<.*$/, "").trim());
    fetch(url.toString(), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (found) {
        var list = input.list;
        if (!list) return;
        list.replaceChildren.apply(list, found.map(function (l) {
          var o = document.createElement("option");
          o.value = l.label;
          o.setAttribute("data-id", l.id);
          return o;
        }));
        pick(input);
      })
      .catch(function () {});
  };
  document.addEventListener("input", function (e) {
    var input = e.target;
    if (!input.matches || !input.matches("input[data-learner-search]")) return;
    clearTimeout(timers.get(input));
    // A suggestion was chosen: nothing more to look up.
    if (pick(input)) return;
    timers.set(input, setTimeout(function () { suggest(input); }, 150));
  });
  document.addEventListener("focusin", function (e) {
    var input = e.target;
    if (input.matches && input.matches("input[data-learner-search]") && !input.list.options.length) suggest(input);
  });
})();
// A long list of checkboxes (bulk enrollment) narrowed as one types; hidden boxes stay in the form,
// so a ticked learner is still sent. Without script the whole list shows.
document.addEventListener("input", function (e) {
  var box = e.target;
  if (!box.matches || !box.matches("input[data-filter-choices]")) return;
  var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
  var list = document.getElementById(box.getAttribute("data-filter-choices"));
  if (!list) return;
  list.querySelectorAll(".choice").forEach(function (c) {
    var text = c.textContent.toLowerCase();
    var input = c.querySelector("input");
    c.hidden = !(input && input.checked) && !words.every(function (w) { return text.indexOf(w) >= 0; });
  });
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
