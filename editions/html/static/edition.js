/* tei-build edition: reading/diplomatic view switch and paragraph link copying.
   Works from file:// and a web server; without JavaScript the page still reads
   (reading view) and every paragraph link is an ordinary anchor. */
(function () {
  "use strict";
  var KEY = "teibuild-view";
  var body = document.body;

  function store(value) {
    try { window.localStorage.setItem(KEY, value); } catch (e) { /* private mode */ }
  }
  function stored() {
    try { return window.localStorage.getItem(KEY); } catch (e) { return null; }
  }

  function setView(view) {
    var diplomatic = view === "diplomatic";
    body.classList.toggle("view-diplomatic", diplomatic);
    body.classList.toggle("view-reading", !diplomatic);
    var buttons = document.querySelectorAll(".view-toggle");
    for (var i = 0; i < buttons.length; i++) {
      var b = buttons[i];
      b.setAttribute("aria-pressed", diplomatic ? "true" : "false");
      b.textContent = diplomatic ? b.getAttribute("data-label-diplomatic")
                                 : b.getAttribute("data-label-reading");
    }
  }

  setView(stored() === "diplomatic" ? "diplomatic" : "reading");
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest(".view-toggle");
    if (toggle) {
      var next = body.classList.contains("view-diplomatic") ? "reading" : "diplomatic";
      setView(next);
      store(next);
      return;
    }
    var link = event.target.closest && event.target.closest("a.plink");
    if (link) {
      event.preventDefault();
      var id = link.getAttribute("href").slice(1);
      copyLink(permalink(id));
      if (history.replaceState) { history.replaceState(null, "", "#" + id); }
      var target = document.getElementById(id);
      if (target) { target.scrollIntoView({ block: "nearest" }); }
    }
  });

  /* The canonical (published) URL when the page has one, else this page's own. */
  function permalink(id) {
    var canonical = document.querySelector("link[rel=canonical]");
    var base = canonical ? canonical.getAttribute("href").split("#")[0]
                         : window.location.href.split("#")[0];
    return base + "#" + id;
  }

  function copyLink(url) {
    body.setAttribute("data-last-copied", url);
    var done = function () { toast(body.getAttribute("data-label-copied") + "：" + url); };
    var failed = function () { fallbackCopy(url) ? done() : toast(body.getAttribute("data-label-copy-failed")); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(url).then(done, failed);
    } else {
      failed();
    }
  }

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    body.removeChild(area);
    return ok;
  }

  var timer = null;
  function toast(message) {
    var box = document.querySelector(".toast");
    if (!box) { return; }
    box.textContent = message;
    box.classList.add("show");
    clearTimeout(timer);
    timer = setTimeout(function () { box.classList.remove("show"); }, 2500);
  }
})();
