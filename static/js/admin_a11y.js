// The Django admin's accessibility fixes that need the page built first (issue 14, axe-core).
// filter_horizontal (SelectFilter2, built on window load) puts aria-label on a bare <span> search icon, which ARIA
// does not allow (aria-prohibited-attr): give the icon the img role its label describes.
window.addEventListener("load", function () {
  document.querySelectorAll(".selector .search-label-icon[aria-label]").forEach(function (icon) {
    icon.setAttribute("role", "img");
  });
});
