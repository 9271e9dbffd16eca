// The 领导驾驶舱 trend chart (ECharts, served locally). A static file, not an inline script: the
// Content-Security-Policy allows scripts from this site only (issue 11 §4). The chart's text alternative is the
// summary sentence it is described by and the data table under it (templates/cockpit/dashboard.html), so the
// canvas itself stays out of the accessibility tree.
(function () {
  function draw() {
    var source = document.getElementById("trend-data");
    var target = document.getElementById("trend");
    if (!source || !target || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(target);
    chart.setOption({
      aria: {enabled: false},
      grid: {left: 40, right: 20, top: 20, bottom: 30},
      tooltip: {trigger: "axis"},
      xAxis: {type: "category", data: data.days},
      yAxis: {type: "value", minInterval: 1},
      series: [{name: "新增舆情", type: "line", areaStyle: {opacity: 0.15}, data: data.counts}]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
