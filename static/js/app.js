// Live countdowns: tick clock-based ones every 30 s; any countdown turns red when its due time passes.
(function () {
  // The words of deadlines/selectors.py clock_words(): "2 天 3 小时", "3 小时 20 分钟", "20 分钟".
  function fmt(s) {
    s = Math.abs(Math.round(s));
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    if (d) return d + " 天" + (h ? " " + h + " 小时" : "");
    if (h) return h + " 小时" + (m ? " " + m + " 分钟" : "");
    return m ? m + " 分钟" : "不足 1 分钟";
  }
  var started = Date.now();
  function tick() {
    var elapsed = (Date.now() - started) / 1000;
    document.querySelectorAll(".countdown[data-seconds]").forEach(function (el) {
      var left = parseFloat(el.dataset.seconds) - elapsed;
      var label = el.dataset.label ? el.dataset.label + "：" : "";
      // Only the words change; the due instant beside them (.countdown-due) stays as the server wrote it.
      var words = el.querySelector(".countdown-left") || el;
      if (left <= 0) {
        el.classList.remove("ok", "soon");
        el.classList.add("breached");
        words.textContent = label + "已超时 " + fmt(left);
      } else if (el.dataset.clock) {
        words.textContent = label + "剩余 " + fmt(left);
      }
    });
  }
  setInterval(tick, 30000);
  document.addEventListener("htmx:configRequest", function (evt) {
    var token = document.querySelector("[name=csrfmiddlewaretoken]");
    if (token) evt.detail.headers["X-CSRFToken"] = token.value;
  });
})();
