// i18n.js — the interface text in Norwegian bokmål and English. Content (displays, rule texts, the
// server's errors) is shown as the server gives it; only the page's own words are translated here.
const TEXT = {
  nb: {
    skip: 'Hopp til innholdet', menu: 'Hovedmeny', language: 'Språk', token: 'Tilgangsnøkkel (token)',
    'token.use': 'Bruk', 'token.forget': 'Glem', 'token.bad': 'Nøkkelen ble ikke godtatt: {0}',
    footer: 'samsvar bruker bare det åpne FHIR-API-et og /messages: alt siden gjør, kan en klient gjøre.',
    'nav.codesystems': 'Kodeverk', 'nav.translate': 'Oversett', 'nav.assess': 'Vurdering', 'nav.maps': 'Mappinger',
    'nav.messages': 'Meldinger',
    'role.none': 'Ingen nøkkel: bare lesing', 'role.is': 'Rolle: {0}', 'role.reader': 'leser',
    'role.maintainer': 'forvalter', 'role.publisher': 'publiserer',
    error: 'Feil', loading: 'Henter …', none: 'Ingen',
    'lang.nb': 'Bokmål', 'lang.nn': 'Nynorsk', 'lang.en': 'Engelsk', 'lang.da': 'Dansk',
    'status.draft': 'utkast', 'status.active': 'aktiv', 'status.retired': 'trukket tilbake',
    'cs.title': 'Kodeverk', 'cs.name': 'Navn', 'cs.url': 'URL', 'cs.versions': 'Versjoner', 'cs.count': 'Antall koder',
    'cs.content': 'Innhold', 'cs.search': 'Søk etter begrep', 'cs.system': 'Kodeverk', 'cs.text': 'Tekst eller kode',
    'cs.text.hint': 'for eksempel «emotional» eller «b152»', 'cs.find': 'Søk', 'cs.found': '{0} treff',
    'cs.back': '← Tilbake til kodeverkene',
    'concept.displays': 'Visningsnavn per språk', 'concept.lang': 'Språk', 'concept.display': 'Tekst',
    'concept.fallback': 'ingen egen tekst på dette språket', 'concept.designations': 'Betegnelser',
    'concept.use': 'Bruk', 'concept.parents': 'Overordnet', 'concept.children': 'Underordnede',
    'concept.mapsOut': 'Mappingsrader ut', 'concept.mapsIn': 'Mappingsrader inn',
    'translate.title': 'Oversett', 'translate.mode': 'Hva vil du oversette?',
    'translate.mode.iplos': 'En IPLOS-variabel med skår', 'translate.mode.any': 'En vilkårlig kode',
    'translate.variable': 'IPLOS-variabel', 'translate.score': 'Skår', 'translate.noScore': 'Ingen skår (alle rader)',
    'translate.system': 'Kodeverk (system)', 'translate.code': 'Kode', 'translate.targetSystem': 'Målkodeverk',
    'translate.allTargets': 'Alle', 'translate.view': 'Rå svar som', 'translate.go': 'Oversett',
    'translate.none': 'Ingen rader.', 'translate.target': 'Mål', 'translate.source': 'Kilde',
    'translate.qualified': 'ICF med kvalifikator', 'translate.equivalence': 'Ekvivalens',
    'translate.condition': 'Betingelse', 'translate.products': 'Også', 'translate.map': 'Mapping og vei',
    'translate.result.true': '{0} treff', 'translate.result.false': 'Ingen treff', 'translate.raw': 'Rått svar ({0})',
    'assess.title': 'IPLOS-vurdering', 'assess.intro': 'Skår de variablene som er vurdert; resten meldes som manglende, aldri som 1. Svaret er et forslag til faglig vurdering, ikke et vedtak.',
    'assess.meanings': 'Hva skårene betyr', 'assess.variables': 'De 20 IPLOS-variablene', 'assess.notAssessed': 'Ikke vurdert',
    'assess.criteriaLabel': 'Tildelingskriterier', 'assess.noCriteria': 'Ingen (relasjonsmappingen)',
    'assess.casemixLabel': 'Case-mix-tabell', 'assess.noCasemix': 'Ingen', 'assess.livingAlone': 'Bor alene',
    'assess.go': 'Vurder', 'assess.observations': 'Observasjoner', 'assess.conditions': 'Tilstander',
    'assess.variable': 'Variabel', 'assess.codes': 'Koder', 'assess.value': 'Verdi', 'assess.condition': 'Tilstand',
    'assess.severity': 'Alvorlighet', 'assess.verification': 'Status', 'assess.careplan': 'Foreslått tiltaksplan',
    'assess.minutes': 'Anslått tid per uke:', 'assess.casemix': 'Case-mix', 'assess.table': 'Tabell', 'assess.group': 'Gruppe',
    'assess.dimension': 'Dimensjon', 'assess.hours': 'Timer per uke', 'assess.adjustment': 'Justering',
    'assess.activity': 'Tiltak', 'assess.schedule': 'Hyppighet', 'assess.why': 'Hvorfor',
    'assess.timing': '{0} gang(er) per {1} {2}', 'assess.duration': '{0} min per besøk',
    'assess.rule': 'Regel', 'assess.ruleSource': 'Kilde', 'assess.conditionMet': 'Oppfylt', 'assess.requires': 'Krever',
    'assess.confirm': 'Bekreftes av saksbehandler', 'assess.reading': 'Tolkning', 'assess.criteria': 'Kriterier',
    'assess.notes': 'Merknader', 'assess.issues': '{0} merknader fra serveren (manglende variabler)', 'assess.raw': 'Rått svar (Bundle)',
    'unit.d': 'dag', 'unit.wk': 'uke', 'unit.mo': 'måned', 'unit.h': 'time', 'unit.undefined': '',
    'maps.title': 'Mappinger', 'maps.map': 'Mapping', 'maps.version': 'Versjon', 'maps.versionId': 'lagret versjon {0}',
    'maps.needToken': 'Oppgi en nøkkel med forvalterrolle for å endre et utkast.',
    'maps.filterSource': 'Filtrer kilde', 'maps.filterTarget': 'Filtrer mål', 'maps.filterEq': 'Ekvivalens', 'maps.any': 'Alle',
    'maps.source': 'Kilde', 'maps.target': 'Mål', 'maps.equivalence': 'Ekvivalens', 'maps.dependency': 'Avhenger av',
    'maps.reason': 'Begrunnelse', 'maps.count': '{0} rader vist',
    'maps.targetCodeOf': 'Målkode for rad {0}', 'maps.equivalenceOf': 'Ekvivalens for rad {0}', 'maps.commentOf': 'Begrunnelse for rad {0}',
    'maps.addRow': 'Legg til en rad', 'maps.group': 'Gruppe', 'maps.add': 'Legg til', 'maps.unsaved': 'Raden er lagt til, men ikke lagret ennå.',
    'maps.save': 'Lagre utkastet', 'maps.saved': 'Lagret (versjon {0}).', 'maps.notSaved': 'Ikke lagret (HTTP {0}): se feilene ved feltene.',
    'maps.newDraftTitle': 'Nytt utkast', 'maps.newVersion': 'Ny versjon', 'maps.newVersionHint': 'kopierer {0} som utkast',
    'maps.newDraft': 'Lag utkast', 'maps.diff': 'Forskjeller mellom versjoner', 'maps.from': 'Fra', 'maps.to': 'Til',
    'maps.showDiff': 'Vis forskjeller', 'maps.added': 'Lagt til', 'maps.removed': 'Fjernet', 'maps.changed': 'Endret',
    'maps.change': 'Endring', 'maps.row': 'Rad', 'maps.noDiff': 'Ingen forskjeller.',
    'maps.diffCounts': '{0} lagt til, {1} fjernet, {2} endret',
    'maps.publishTitle': 'Publiser', 'maps.reasonPublish': 'Begrunnelse for publisering', 'maps.publish': 'Publiser',
    'maps.published': 'Versjon {0} er publisert.', 'maps.rollbackTitle': 'Rull tilbake', 'maps.rollbackTo': 'Til versjon',
    'maps.reasonRollback': 'Begrunnelse', 'maps.rollback': 'Rull tilbake',
    'msg.title': 'Meldinger', 'msg.needToken': 'Meldinger inneholder pasientdata: oppgi en nøkkel (minst leser).',
    'msg.outbox': 'Utboks', 'msg.inbox': 'Innboks', 'msg.direction': 'Retning', 'msg.statusLabel': 'Status', 'msg.show': 'Vis',
    'msg.total': '{0} meldinger', 'msg.id': 'Id', 'msg.receiver': 'Mottaker', 'msg.sender': 'Avsender', 'msg.event': 'Hendelse',
    'msg.attempts': 'Forsøk', 'msg.lastError': 'Siste feil', 'msg.updated': 'Oppdatert', 'msg.message': 'Melding {0}',
    'msg.retry': 'Send på nytt', 'msg.retried': 'Lagt i kø igjen.', 'msg.content': 'Innhold', 'msg.observations': 'Funksjonsdata som kodede observasjoner',
    'msg.status.queued': 'i kø', 'msg.status.sending': 'sendes', 'msg.status.delivered': 'levert', 'msg.status.rejected': 'avvist',
    'msg.status.dead': 'død', 'msg.status.received': 'mottatt', 'msg.status.processed': 'behandlet', 'msg.status.failed': 'feilet',
  },
  en: {
    skip: 'Skip to content', menu: 'Main menu', language: 'Language', token: 'Access token',
    'token.use': 'Use', 'token.forget': 'Forget', 'token.bad': 'The token was not accepted: {0}',
    footer: 'samsvar uses only the public FHIR API and /messages: everything the page does, a client can do.',
    'nav.codesystems': 'Code systems', 'nav.translate': 'Translate', 'nav.assess': 'Assess', 'nav.maps': 'Maps',
    'nav.messages': 'Messages',
    'role.none': 'No token: reading only', 'role.is': 'Role: {0}', 'role.reader': 'reader',
    'role.maintainer': 'maintainer', 'role.publisher': 'publisher',
    error: 'Error', loading: 'Loading …', none: 'None',
    'lang.nb': 'Norwegian bokmål', 'lang.nn': 'Norwegian nynorsk', 'lang.en': 'English', 'lang.da': 'Danish',
    'status.draft': 'draft', 'status.active': 'active', 'status.retired': 'retired',
    'cs.title': 'Code systems', 'cs.name': 'Name', 'cs.url': 'URL', 'cs.versions': 'Versions', 'cs.count': 'Codes',
    'cs.content': 'Content', 'cs.search': 'Find a concept', 'cs.system': 'Code system', 'cs.text': 'Text or code',
    'cs.text.hint': 'for example “emotional” or “b152”', 'cs.find': 'Search', 'cs.found': '{0} found',
    'cs.back': '← Back to the code systems',
    'concept.displays': 'Display per language', 'concept.lang': 'Language', 'concept.display': 'Text',
    'concept.fallback': 'no text of its own in this language', 'concept.designations': 'Designations',
    'concept.use': 'Use', 'concept.parents': 'Parents', 'concept.children': 'Children',
    'concept.mapsOut': 'Map rows out', 'concept.mapsIn': 'Map rows in',
    'translate.title': 'Translate', 'translate.mode': 'What do you translate?',
    'translate.mode.iplos': 'An IPLOS variable and score', 'translate.mode.any': 'Any code',
    'translate.variable': 'IPLOS variable', 'translate.score': 'Score', 'translate.noScore': 'No score (every row)',
    'translate.system': 'Code system (system)', 'translate.code': 'Code', 'translate.targetSystem': 'Target system',
    'translate.allTargets': 'All', 'translate.view': 'Raw answer as', 'translate.go': 'Translate',
    'translate.none': 'No rows.', 'translate.target': 'Target', 'translate.source': 'Source',
    'translate.qualified': 'ICF with qualifier', 'translate.equivalence': 'Equivalence',
    'translate.condition': 'Condition', 'translate.products': 'Also', 'translate.map': 'Map and path',
    'translate.result.true': '{0} matches', 'translate.result.false': 'No match', 'translate.raw': 'Raw answer ({0})',
    'assess.title': 'IPLOS assessment', 'assess.intro': 'Score the variables assessed; the others are reported as missing, never as 1. The answer is a suggestion for professional judgement, not a decision.',
    'assess.meanings': 'What the scores mean', 'assess.variables': 'The 20 IPLOS variables', 'assess.notAssessed': 'Not assessed',
    'assess.criteriaLabel': 'Allocation criteria', 'assess.noCriteria': 'None (the relations map)',
    'assess.casemixLabel': 'Case-mix table', 'assess.noCasemix': 'None', 'assess.livingAlone': 'Lives alone',
    'assess.go': 'Assess', 'assess.observations': 'Observations', 'assess.conditions': 'Conditions',
    'assess.variable': 'Variable', 'assess.codes': 'Codes', 'assess.value': 'Value', 'assess.condition': 'Condition',
    'assess.severity': 'Severity', 'assess.verification': 'Status', 'assess.careplan': 'Proposed care plan',
    'assess.minutes': 'Estimated time per week:', 'assess.casemix': 'Case-mix', 'assess.table': 'Table', 'assess.group': 'Group',
    'assess.dimension': 'Dimension', 'assess.hours': 'Hours per week', 'assess.adjustment': 'Adjustment',
    'assess.activity': 'Activity', 'assess.schedule': 'Frequency', 'assess.why': 'Why',
    'assess.timing': '{0} time(s) per {1} {2}', 'assess.duration': '{0} min per visit',
    'assess.rule': 'Rule', 'assess.ruleSource': 'Source', 'assess.conditionMet': 'Met', 'assess.requires': 'Requires',
    'assess.confirm': 'For the case worker to confirm', 'assess.reading': 'Reading', 'assess.criteria': 'Criteria',
    'assess.notes': 'Notes', 'assess.issues': '{0} notes from the server (missing variables)', 'assess.raw': 'Raw answer (Bundle)',
    'unit.d': 'day', 'unit.wk': 'week', 'unit.mo': 'month', 'unit.h': 'hour', 'unit.undefined': '',
    'maps.title': 'Maps', 'maps.map': 'Map', 'maps.version': 'Version', 'maps.versionId': 'stored version {0}',
    'maps.needToken': 'Enter a token with the maintainer role to edit a draft.',
    'maps.filterSource': 'Filter source', 'maps.filterTarget': 'Filter target', 'maps.filterEq': 'Equivalence', 'maps.any': 'Any',
    'maps.source': 'Source', 'maps.target': 'Target', 'maps.equivalence': 'Equivalence', 'maps.dependency': 'Depends on',
    'maps.reason': 'Reason', 'maps.count': '{0} rows shown',
    'maps.targetCodeOf': 'Target code of row {0}', 'maps.equivalenceOf': 'Equivalence of row {0}', 'maps.commentOf': 'Reason of row {0}',
    'maps.addRow': 'Add a row', 'maps.group': 'Group', 'maps.add': 'Add', 'maps.unsaved': 'The row is added but not saved yet.',
    'maps.save': 'Save the draft', 'maps.saved': 'Saved (version {0}).', 'maps.notSaved': 'Not saved (HTTP {0}): see the errors by the fields.',
    'maps.newDraftTitle': 'New draft', 'maps.newVersion': 'New version', 'maps.newVersionHint': 'copies {0} as a draft',
    'maps.newDraft': 'Make draft', 'maps.diff': 'Differences between versions', 'maps.from': 'From', 'maps.to': 'To',
    'maps.showDiff': 'Show differences', 'maps.added': 'Added', 'maps.removed': 'Removed', 'maps.changed': 'Changed',
    'maps.change': 'Change', 'maps.row': 'Row', 'maps.noDiff': 'No differences.',
    'maps.diffCounts': '{0} added, {1} removed, {2} changed',
    'maps.publishTitle': 'Publish', 'maps.reasonPublish': 'Reason for publishing', 'maps.publish': 'Publish',
    'maps.published': 'Version {0} is published.', 'maps.rollbackTitle': 'Roll back', 'maps.rollbackTo': 'To version',
    'maps.reasonRollback': 'Reason', 'maps.rollback': 'Roll back',
    'msg.title': 'Messages', 'msg.needToken': 'Messages hold patient data: enter a token (reader at least).',
    'msg.outbox': 'Outbox', 'msg.inbox': 'Inbox', 'msg.direction': 'Direction', 'msg.statusLabel': 'Status', 'msg.show': 'Show',
    'msg.total': '{0} messages', 'msg.id': 'Id', 'msg.receiver': 'Receiver', 'msg.sender': 'Sender', 'msg.event': 'Event',
    'msg.attempts': 'Attempts', 'msg.lastError': 'Last error', 'msg.updated': 'Updated', 'msg.message': 'Message {0}',
    'msg.retry': 'Send again', 'msg.retried': 'Queued again.', 'msg.content': 'Content', 'msg.observations': 'Function data as coded Observations',
    'msg.status.queued': 'queued', 'msg.status.sending': 'sending', 'msg.status.delivered': 'delivered', 'msg.status.rejected': 'rejected',
    'msg.status.dead': 'dead', 'msg.status.received': 'received', 'msg.status.processed': 'processed', 'msg.status.failed': 'failed',
  },
};

const KEY = 'samsvar.lang';
let current = 'nb';

export function lang() {
  const saved = localStorage.getItem(KEY);
  if (saved && TEXT[saved]) return saved;
  return (navigator.language || 'nb').toLowerCase().startsWith('en') ? 'en' : 'nb';
}

export function setLang(l) {
  current = TEXT[l] ? l : 'nb';
  localStorage.setItem(KEY, current);
  document.documentElement.lang = current;
}

// The text of `key` in the current language with {0}, {1}... filled in; the key itself when missing.
export function t(key, ...args) {
  const s = TEXT[current][key] ?? TEXT.en[key] ?? key;
  return s.replace(/\{(\d+)\}/g, (_, i) => String(args[Number(i)] ?? ''));
}

// The page's fixed text (index.html): data-i18n sets the text, data-i18n-label the aria-label.
export function translateStatic() {
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
}

export const LANGUAGES = Object.keys(TEXT);
