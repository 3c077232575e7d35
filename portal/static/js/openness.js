/* Charts of /stats/openness, drawn with the bundled Apache ECharts from the figures the page
   carries in <script type="application/json" id="openness-data">. The tables beside each chart
   hold the same figures, so the page says everything without JavaScript. */
(function () {
  "use strict";
  var source = document.getElementById("openness-data");
  if (!source || typeof window.echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var L = data.labels;
  var colours = ["#0b5cab", "#1a7f37", "#6f42c1"];
  var charts = [];

  // a phone: the legend goes below the chart and scrolls, instead of covering it
  var narrow = window.matchMedia("(max-width: 600px)").matches;

  function placeLegend(option) {
    if (!option.legend || !narrow) { return; }
    option.legend = { type: "scroll", bottom: 0, left: 0, right: 0 };
    option.grid.top = 24;
    option.grid.bottom += 40;
  }

  function draw(id, option) {
    var element = document.getElementById(id);
    if (!element) { return; }
    placeLegend(option);
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    option.color = option.color || colours;
    option.textStyle = { fontFamily: "Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif" };
    option.tooltip = Object.assign({ trigger: "axis", renderMode: "richText" }, option.tooltip || {});
    option.animation = false;
    chart.setOption(option);
    element.setAttribute("data-drawn", "true");
    charts.push(chart);
  }

  function percentAxis() {
    return { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } };
  }

  function ratioSeries(group, dashed) {
    return ["mr", "np", "rdf"].map(function (kind, i) {
      return {
        name: L[kind] + (dashed ? L.byDistribution : ""),
        type: dashed === undefined ? "bar" : "line",
        data: group[kind + (dashed ? "Dist" : "")],
        lineStyle: dashed ? { type: "dashed" } : undefined,
        itemStyle: { color: colours[i] },
        symbolSize: 5
      };
    });
  }

  draw("chart-quarters", {
    legend: { top: 0 },
    grid: { left: 48, right: 16, top: 56, bottom: 40 },
    xAxis: { type: "category", data: data.quarters.names },
    yAxis: percentAxis(),
    series: ratioSeries(data.quarters, false).concat(ratioSeries(data.quarters, true))
  });
  ["categories", "divisions"].forEach(function (name) {
    draw("chart-" + name, {
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 40, bottom: 80 },
      xAxis: { type: "category", data: data[name].names, axisLabel: { rotate: 40, interval: 0 } },
      yAxis: percentAxis(),
      series: ratioSeries(data[name])
    });
  });
  draw("chart-departments", {
    grid: { left: 48, right: 16, top: 24, bottom: 40 },
    xAxis: { type: "category", data: data.departments.buckets, name: L.index },
    yAxis: { type: "value", name: L.departments, minInterval: 1 },
    series: [{
      type: "bar",
      name: L.departments,
      data: data.departments.counts.map(function (count, i) {
        return { value: count, itemStyle: { color: data.departments.meets[i] ? "#1a7f37" : "#9a6700" } };
      }),
      markLine: {
        symbol: "none",
        label: { formatter: L.target },
        lineStyle: { color: "#c0392b", type: "solid", width: 2 },
        data: [{ xAxis: data.departments.targetBucket }]
      }
    }]
  });
  draw("chart-mqa", {
    legend: { top: 0 },
    grid: { left: 110, right: 24, top: 36, bottom: 24 },
    xAxis: { type: "value" },
    yAxis: { type: "category", data: data.dimensions.names, inverse: true },
    series: [
      { name: L.earned, type: "bar", data: data.dimensions.earned, itemStyle: { color: "#0b5cab" } },
      { name: L.possible, type: "bar", data: data.dimensions.max, itemStyle: { color: "#dde3ea" } }
    ]
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
