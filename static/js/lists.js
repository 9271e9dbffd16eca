// The 舆情 list's bulk actions (issue 18): select all rows of the page, count the selection, and confirm before
// a bulk dispatch or reminder goes out. Without this script the checkboxes and buttons still work.
(function () {
  var form = document.querySelector("[data-bulk-form]");
  if (!form) return;
  var rows = function () { return Array.prototype.slice.call(document.querySelectorAll("[data-row-check]")); };
  var all = form.querySelector("[data-select-all]");
  var count = form.querySelector("[data-selected-count]");
  function update() {
    var checked = rows().filter(function (box) { return box.checked; }).length;
    count.textContent = checked ? "已选择 " + checked + " 条" : "未选择";
    if (all) {
      all.checked = checked > 0 && checked === rows().length;
      all.indeterminate = checked > 0 && checked < rows().length;
    }
  }
  if (all) {
    form.querySelector("[data-select-all-label]").hidden = !rows().length;
    all.addEventListener("change", function () {
      rows().forEach(function (box) { box.checked = all.checked; });
      update();
    });
  }
  rows().forEach(function (box) { box.addEventListener("change", update); });
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    var checked = rows().filter(function (box) { return box.checked; }).length;
    if (!button || !button.dataset.confirm) return;
    if (!checked) {
      event.preventDefault();
      count.textContent = "请先勾选要" + button.dataset.confirm + "的舆情";
      return;
    }
    var what = button.dataset.confirm === "转办"
      ? "转办至「" + form.querySelector("#bulk-unit").selectedOptions[0].text + "」（主办，默认时限）"
      : "催办其在办转办单的责任单位";
    if (!window.confirm("将对选中的 " + checked + " 条舆情逐条" + what + "。不符合条件的会列出原因。确定？")) {
      event.preventDefault();
    }
  });
  update();
})();
