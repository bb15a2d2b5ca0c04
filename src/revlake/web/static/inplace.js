// In-place updates for the dashboard (progressive enhancement, no dependencies).
//
// Forms and links marked `data-inplace` are plain GET forms and links: without this
// script they load the whole page. With it, a submit, a change of one of the form's
// controls or a click on such a link fetches the same URL with the `X-Revlake-Partial: 1`
// header; the page answers with its content block alone (common.wants_partial), which
// replaces <main>. The address bar follows with history.pushState (back and forward
// load the state they show; charts are drawn on the server, so they come with the
// content), and open pickers and the focused control are kept. Any answer that is not a fragment (an error, the login page) loads in full.
(function () {
  "use strict";
  var HEADER = "X-Revlake-Partial";
  var controller = null;
  var sequence = 0;
  var pending = null;  // a live change waiting out its pause
  var state = { last: null, updates: 0 };

  function region() { return document.querySelector("main"); }

  function samePage(url) {
    return url.origin === location.origin && url.pathname === location.pathname;
  }

  function formUrl(form) {
    var url = new URL(form.getAttribute("action") || location.pathname, location.href);
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (typeof value !== "string" || value === "") { return; }
      var control = form.querySelector("[name='" + CSS.escape(name) + "'][data-omit]");
      if (control && control.getAttribute("data-omit") === value) { return; }
      params.append(name, value);
    });
    url.search = params.toString();
    return url;
  }

  // A selector that finds the "same" control in the new content, to give it focus back.
  function selectorFor(el) {
    if (el.id) { return "#" + CSS.escape(el.id); }
    if (el.getAttribute("data-sort")) {
      return "[data-sort='" + CSS.escape(el.getAttribute("data-sort")) + "']";
    }
    if (el.name) {
      var sel = "[name='" + CSS.escape(el.name) + "']";
      return el.value ? sel + "[value='" + CSS.escape(el.value) + "']" : sel;
    }
    return null;
  }

  function swap(main, html) {
    var open = [];
    main.querySelectorAll("details[id][open]").forEach(function (d) { open.push(d.id); });
    var active = document.activeElement;
    var focus = active && main.contains(active) ? selectorFor(active) : null;
    main.innerHTML = html;
    open.forEach(function (id) {
      var d = document.getElementById(id);
      if (d && d.tagName === "DETAILS") { d.open = true; }
    });
    if (focus) {
      var target = main.querySelector(focus);
      if (target) { target.focus({ preventScroll: true }); }
    }
    enhance(main);
  }

  // Screen readers hear what an update changed (a polite live region outside <main>):
  // the page's heading and its count line when it has one ("Deal risk updated: 26 deals").
  function announce(main) {
    var status = document.getElementById("inplace-status");
    if (!status) { return; }
    var heading = main.querySelector("h1");
    var count = main.querySelector("[data-testid=total]");
    var text = (heading ? heading.textContent.trim() : "Page") + " updated";
    if (count) { text += ": " + count.textContent.trim(); }
    status.textContent = text;
  }

  function load(href, push) {
    var main = region();
    var url = new URL(href, location.href);
    if (!main || !window.fetch) { location.assign(url.href); return; }
    if (controller) { controller.abort(); }
    controller = window.AbortController ? new AbortController() : null;
    var mine = ++sequence;
    var started = performance.now();
    main.setAttribute("aria-busy", "true");
    var headers = {};
    headers[HEADER] = "1";
    fetch(url.href, {
      headers: headers,
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined,
    }).then(function (response) {
      if (!response.ok || response.headers.get(HEADER) !== "1") {
        throw new Error("not a fragment");
      }
      return response.text();
    }).then(function (html) {
      if (mine !== sequence) { return; }
      swap(main, html);
      if (push) {
        history.pushState({ revlake: true }, "", url.href);
      } else {
        history.replaceState({ revlake: true }, "", url.href);
      }
      main.removeAttribute("aria-busy");
      announce(main);
      state.updates += 1;
      state.last = { url: url.href, ms: Math.round(performance.now() - started) };
      document.dispatchEvent(new CustomEvent("revlake:updated", { detail: state.last }));
    }).catch(function (error) {
      if (error && error.name === "AbortError") { return; }
      if (mine === sequence) { location.assign(url.href); }
    });
  }

  // Range sliders show their value in the <output for=...> beside them; a pair of
  // sliders marked data-range-low / data-range-high never crosses.
  function syncRange(input) {
    var form = input.form;
    if (!form) { return; }
    var low = form.querySelector("[data-range-low='" + input.getAttribute("data-range") + "']");
    var high = form.querySelector("[data-range-high='" + input.getAttribute("data-range") + "']");
    if (low && high && Number(low.value) > Number(high.value)) {
      if (input === low) { high.value = low.value; } else { low.value = high.value; }
    }
    [low, high].forEach(function (el) {
      if (!el) { return; }
      var out = form.querySelector("output[for='" + el.id + "']");
      if (out) { out.value = el.value; }
    });
  }

  function enhance(root) {
    root.querySelectorAll("input[type=range][data-range]").forEach(syncRange);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-inplace") || (form.method || "get").toLowerCase() !== "get") {
      return;
    }
    var url = formUrl(form);
    if (!samePage(url)) { return; }
    event.preventDefault();
    clearTimeout(pending);
    load(url.href, true);
  });

  // A changed control applies at once (a checkbox, a select, a slider let go) or, for a
  // typed number or date, after a short pause so that one edit is one request. Text
  // (the account search) applies with Enter or the button; an invalid value waits too.
  var TYPED = { number: 1, date: 1, month: 1 };
  document.addEventListener("change", function (event) {
    var control = event.target;
    var form = control.form;
    if (!form || !form.hasAttribute("data-inplace") || control.hasAttribute("data-no-live")) {
      return;
    }
    if (control.type === "text" || control.type === "search") { return; }
    if (control.checkValidity && !control.checkValidity()) { return; }
    clearTimeout(pending);
    pending = setTimeout(function () {
      var url = formUrl(form);
      if (samePage(url)) { load(url.href, true); }
    }, TYPED[control.type] ? 300 : 0);
  });

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("input[type=range][data-range]")) {
      syncRange(event.target);
    }
  });

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey ||
        event.shiftKey || event.altKey) {
      return;
    }
    var link = event.target.closest ? event.target.closest("a[href]") : null;
    if (!link || link.target || !link.closest("[data-inplace]")) { return; }
    var url = new URL(link.href, location.href);
    if (!samePage(url)) { return; }
    event.preventDefault();
    load(url.href, true);
  });

  window.addEventListener("popstate", function (event) {
    if (event.state && event.state.revlake) { load(location.href, false); }
  });

  // the page's own stylesheets (inplace.css) sit in <main>, which a swap replaces: they
  // move to <head> once, so the fragments (which leave them out) keep their styles
  document.querySelectorAll("main link[rel=stylesheet]").forEach(function (link) {
    document.head.appendChild(link);
  });
  history.replaceState({ revlake: true }, "", location.href);
  window.revlakeInplace = { load: load, state: state };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  } else {
    enhance(document);
  }
})();
