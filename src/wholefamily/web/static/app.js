// Starts GOV.UK Frontend's components (kept out of the page: the CSP allows no inline script).
import { initAll } from "./govuk/govuk-frontend.min.js";

document.body.classList.add("govuk-frontend-supported");
initAll();
