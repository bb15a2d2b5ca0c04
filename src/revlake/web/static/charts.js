// Render every Plotly figure embedded in the page (JSON in <script type="application/json">).
// window.revlakeCharts.draw(root) renders those under `root` (inplace.js calls it after
// swapping in a page's new content).
(function () {
  function draw(root) {
    if (!window.Plotly) { return; }
    (root || document).querySelectorAll("[data-figure]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-figure"));
      if (!source) { return; }
      var fig = JSON.parse(source.textContent);
      window.Plotly.newPlot(el, fig.data, fig.layout, { responsive: true, displaylogo: false });
      el.setAttribute("data-rendered", "true");
    });
  }
  window.revlakeCharts = { draw: draw };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { draw(document); });
  } else {
    draw(document);
  }
})();
