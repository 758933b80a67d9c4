// The adjudicator's page. The adjudication routes (issue "server adj") and
// the WebSocket (issue 17) are not on this server yet; the page says so and
// names what it needs, and shows nothing invented.
import { renderSections } from '/app/readpage.js';

export async function render(page) {
  await renderSections(page, 'Adjudicate', 'Work the queues you may adjudicate: claim, compare the annotations\' reasoning, decide.', [
    { title: 'Queues and live depth', route: 'GET /v1/projects/{project}/adjudication/queue and the WebSocket /v1/ws (queue depth events)',
      needs: 'The adjudication engine is not served yet.' },
    { title: 'Claim the next item', route: 'POST /v1/projects/{project}/adjudication/claims, heartbeat and release',
      needs: 'Leases and their countdown come with these routes.' },
    { title: 'Annotations side by side', route: 'GET /v1/adjudication/items/{item} (all annotations of the record, pseudonymised, with evidence)',
      needs: '' },
    { title: 'Decide, mark ambiguous, escalate', route: 'POST /v1/adjudication/items/{item}/decision and /escalation', needs: '' },
  ]);
}
