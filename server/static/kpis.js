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
    // A scorecard also draws the company's figure of each week, dashed, for comparison.
    const compared = Array.isArray(line.company) && data.series;
    const series = [{ name: compared ? data.series.own : line.label, type: "line",
                      data: line.values, connectNulls: false, label: { show: false } }];
    if (compared) {
      series.push({ name: data.series.company, type: "line", data: line.company,
                    connectNulls: false, lineStyle: { type: "dashed" }, symbol: "none" });
    }
    const chart = window.echarts.init(el, null, { renderer: "svg",
                                                  height: compared ? 200 : 160 });
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: font },
      grid: { left: 48, right: 12, top: compared ? 48 : 24, bottom: 28 },
      tooltip: { trigger: "axis" },
      legend: compared ? { top: 0, data: [data.series.own, data.series.company] } : undefined,
      xAxis: { type: "category", data: data.labels },
      yAxis: { type: "value", name: data.units[line.unit] || "", scale: true },
      series,
    });
    el.dataset.rendered = "true";
    window.addEventListener("resize", () => chart.resize());
  });
  document.body.dataset.kpiCharts = "ready";
})();
