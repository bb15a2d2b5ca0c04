// Render every Plotly figure embedded in the page (JSON in <script type="application/json">).
// plotly.js (the partial bundle named by this script tag's data-plotly, revlake.web.assets)
// is loaded only when there is a figure to draw: pages without one skip its 1.2 MB. On a
// page load it is inserted while the page loads, so the document's load event waits for
// it and for the figures drawn when it has run.
// window.revlakeCharts.draw(root) renders the figures under `root` (loading plotly.js
// first if the page had none), for content swapped into a page after it loaded.
(function () {
  var bundle = document.currentScript && document.currentScript.getAttribute("data-plotly");
  var waiting = [];

  function render(root) {
    root.querySelectorAll("[data-figure]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-figure"));
      if (!source) { return; }
      var fig = JSON.parse(source.textContent);
      window.Plotly.newPlot(el, fig.data, fig.layout, { responsive: true, displaylogo: false });
      el.setAttribute("data-rendered", "true");
    });
  }

  function draw(root) {
    root = root || document;
    if (!root.querySelector("[data-figure]")) { return; }
    if (window.Plotly) { render(root); return; }
    if (!bundle) { return; }
    waiting.push(root);
    if (waiting.length > 1) { return; }  // already loading
    var script = document.createElement("script");
    script.src = bundle;
    script.onload = function () {
      var roots = waiting;
      waiting = [];
      roots.forEach(render);
    };
    document.head.appendChild(script);
  }

  window.revlakeCharts = { draw: draw };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { draw(document); });
  } else {
    draw(document);
  }
})();
