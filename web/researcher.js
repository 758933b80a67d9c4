// The researcher's page: agreement and calibration (GET routes of issue
// "server reads"); the κ heatmap, calibration diagrams and dataset versions
// say what route they still need. Never record content.
import { renderSections, qs, projectsOf } from '/app/readpage.js';

export async function render(page, me, role) {
  const projects = projectsOf(me, role);
  const first = projects[0] || '';
  const enc = encodeURIComponent;
  await renderSections(page, 'Research', 'Agreement and calibration of the projects you may read' +
    (projects.length ? ' (' + projects.join(', ') + ')' : ' (global role: type a project)') + '. No record content is shown here.', [
    { title: 'Agreement per field, version and batch', route: 'GET /v1/projects/{project}/agreement',
      probePath: '/v1/projects/' + enc(first || '-') + '/agreement',
      inputs: [projects.length ? { name: 'project', label: 'Project', options: projects, value: first } : { name: 'project', label: 'Project' },
        { name: 'field', label: 'Field (optional)' }, { name: 'batch', label: 'Batch (optional)' }],
      path: (v) => '/v1/projects/' + enc(v.project) + '/agreement' + qs({ field: v.field, batch: v.batch }) },
    { title: 'Calibration per annotator', route: 'GET /v1/projects/{project}/calibration',
      probePath: '/v1/projects/' + enc(first || '-') + '/calibration',
      inputs: [projects.length ? { name: 'project', label: 'Project', options: projects, value: first } : { name: 'project', label: 'Project' },
        { name: 'annotator', label: 'Annotator pseudonym (optional)' }],
      path: (v) => '/v1/projects/' + enc(v.project) + '/calibration' + qs({ annotator: v.annotator }) },
    { title: 'Annotator κ heatmap', route: 'a pairwise agreement route (annotator × annotator κ per field)',
      needs: 'No such route is planned on main yet.' },
    { title: 'Dataset versions and export', route: 'GET /v1/projects/{project}/datasets and POST /v1/projects/{project}/datasets',
      needs: 'Snapshots exist in the CLI (consilium dataset); the server does not serve them yet.' },
  ]);
}
