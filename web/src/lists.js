// Incidents and postmortems, as lists read from the API.
import { api } from './api.js';
import { el, table } from './util.js';
import { kbSearch } from './postmortem.js';

export async function incidents(main) {
  const r = await api('/v1/incidents');
  main.replaceChildren(el('div', { class: 'panel', id: 'incidents' }, el('h3', {}, 'Incidents'),
    table(['id', 'severity', 'status', 'use case', 'title', 'opened'],
      r.incidents.map((i) => el('tr', {},
        el('td', {}, el('a', { href: `#incident/${i.id}` }, i.id)),
        el('td', {}, el('span', { class: 'tag' }, i.severity)),
        el('td', {}, i.status), el('td', {}, i.use_case), el('td', {}, i.title),
        el('td', {}, i.opened_at))))));
}

export async function postmortems(main) {
  const r = await api('/v1/postmortems');
  main.replaceChildren(kbSearch(), el('div', { class: 'panel', id: 'postmortems' }, el('h3', {}, 'Postmortems'),
    table(['id', 'incident', 'status', 'use case', 'verified', 'title'],
      r.postmortems.map((p) => el('tr', {},
        el('td', {}, el('a', { href: `#postmortem/${p.id}` }, p.id)), el('td', {}, p.incident_id),
        el('td', {}, p.status),
        el('td', {}, p.use_case), el('td', {}, `${p.verified}/${p.reinforcements}`),
        el('td', {}, p.title))))));
}
