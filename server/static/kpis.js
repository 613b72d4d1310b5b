// KPI dashboard: one small line chart per KPI, drawn with ECharts from the JSON in
// <script type="application/json" id="kpi-trend"> (the Content-Security-Policy allows no
// inline script). Each chart has the same numbers in the table beside it.
(function () {
  "use strict";
  const source = document.getElementById("kpi-trend");
  if (!source || !window.echarts) return;
  const data = JSON.parse(source.textContent);
  const font = '"Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';
  document.querySelectorAll(".kpi-chart[data-line]").forEach((el) => {
    const line = data.lines[el.dataset.line];
    if (!line) return;
    // SVG keeps the labels as text: readable by screen readers and crisp in Chinese.
    const chart = window.echarts.init(el, null, { renderer: "svg", height: 160 });
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: font },
      grid: { left: 48, right: 12, top: 24, bottom: 28 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.labels },
      yAxis: { type: "value", name: data.units[line.unit] || "", scale: true },
      series: [{ name: line.label, type: "line", data: line.values, connectNulls: false,
                 label: { show: false } }],
    });
    el.dataset.rendered = "true";
    window.addEventListener("resize", () => chart.resize());
  });
  document.body.dataset.kpiCharts = "ready";
})();
