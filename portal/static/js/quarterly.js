/* Charts of /stats, drawn with the bundled Apache ECharts from the figures the page carries in
   <script type="application/json" id="quarterly-data">. The tables below them hold the same
   figures, so the page says everything without JavaScript. */
(function () {
  "use strict";
  var source = document.getElementById("quarterly-data");
  if (!source || typeof window.echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var colours = ["#0b5cab", "#1a7f37", "#6f42c1", "#9a6700"];
  var narrow = window.matchMedia("(max-width: 600px)").matches;
  var charts = [];
  Object.keys(data.charts).forEach(function (id) {
    var element = document.getElementById(id);
    var chart = data.charts[id];
    if (!element || !chart.series.length || !chart.names.length) {
      if (element) { element.hidden = true; }
      return;
    }
    var drawn = window.echarts.init(element, null, { renderer: "canvas" });
    drawn.setOption({
      color: colours,
      animation: false,
      textStyle: { fontFamily: "Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif" },
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: narrow ? { type: "scroll", bottom: 0, left: 0, right: 0 } : { top: 0 },
      grid: { left: 56, right: 16, top: narrow ? 24 : 40, bottom: narrow ? 120 : 80 },
      xAxis: { type: "category", data: chart.names, axisLabel: { rotate: 40, interval: 0 } },
      yAxis: chart.percent
        ? { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } }
        : { type: "value", minInterval: 1 },
      series: chart.series.map(function (s) { return { name: s.name, type: "bar", data: s.data }; })
    });
    element.setAttribute("data-drawn", "true");
    charts.push(drawn);
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
