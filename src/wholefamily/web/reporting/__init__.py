"""Programme reporting: metrics for any period and district, the dashboard, the
committee report (PDF) and the national quarterly return."""
