// ogi-reports: next to every CSV export link, a "CSV (Excel)" link whose file starts with a UTF-8 BOM
// (?_bom=1, added by the ogi_site plugin), so Chinese Excel opens it without mojibake.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll('a[href*=".csv"]').forEach(function (a) {
    var path = new URL(a.href).pathname;
    // only Datasette's exports: the bulk downloads (/downloads/) already start with a BOM
    if (!/\.csv$/.test(path) || path.indexOf("/downloads/") === 0 || a.href.indexOf("_bom=1") !== -1 || a.dataset.ogiBom) return;
    var excel = document.createElement("a");
    excel.href = a.href + (a.href.indexOf("?") === -1 ? "?" : "&") + "_bom=1&_dl=1";
    excel.textContent = "CSV (Excel)";
    excel.className = "ogi-bom";
    excel.dataset.ogiBom = "1";
    a.dataset.ogiBom = "1";
    a.insertAdjacentText("afterend", " ");
    a.parentNode.insertBefore(excel, a.nextSibling.nextSibling);
  });
});
