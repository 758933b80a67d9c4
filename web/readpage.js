// Helpers the role pages share: the projects a role is held in, and query
// strings of the non-empty values of a form.

// Query string of the non-empty values.
export function qs(values) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== '' && v !== undefined) q.set(k, v);
  const s = q.toString();
  return s ? '?' + s : '';
}

// The projects of `role` among the principal's roles (none for a global role:
// the page then asks for a project).
export function projectsOf(me, role) {
  return [...new Set(me.roles.filter((r) => r.role === role).map((r) => r.project).filter(Boolean))];
}
