// Starts GOV.UK Frontend's and the MOJ design system's components (kept out of the
// page: the CSP allows no inline script).
import { initAll } from "./govuk/govuk-frontend.min.js";
import { initAll as initMoj } from "./moj/moj-frontend.min.js";

document.body.classList.add("govuk-frontend-supported");
initAll();
initMoj();

// A table wider than the screen scrolls inside a box of its own, so the page never
// scrolls sideways on a phone. A box that scrolls can be reached by keyboard (and is
// named for screen readers by the table's caption); one that fits is left alone.
const boxes = [];
for (const table of document.querySelectorAll("table.govuk-table")) {
  const box = document.createElement("div");
  box.className = "app-table-scroll";
  const caption = table.querySelector("caption");
  box.setAttribute("aria-label", caption ? caption.textContent.trim() : "Table");
  table.parentNode.insertBefore(box, table);
  box.appendChild(table);
  boxes.push(box);
}
function markScrolling() {
  for (const box of boxes) {
    if (box.scrollWidth > box.clientWidth + 1) {
      box.tabIndex = 0;
      box.setAttribute("role", "region");
    } else {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
    }
  }
}
// Widths change when the fonts arrive or the window or a table changes size.
markScrolling();
window.addEventListener("resize", markScrolling);
if (document.fonts) document.fonts.ready.then(markScrolling);
if (window.ResizeObserver) {
  const watch = new ResizeObserver(markScrolling);
  for (const box of boxes) {
    watch.observe(box);
    watch.observe(box.firstElementChild);
  }
}
