# Trainyard auf Deutsch. Dieselben Schlüssel wie en.ftl, keiner mehr, keiner weniger.

## Rahmen: Kopf, Navigation, Fuß

skip-to-content = Zum Inhalt springen
search-label = Suche
search-placeholder = Termine, Personen, Kunden suchen…
sign-out = Abmelden
nav-main = Hauptmenü
footer-language = Sprache
footer-switch = Diese Seite anzeigen auf
nav-dashboard = Übersicht
nav-home = Start
nav-schedule = Zeitplan
nav-plan = Planung
nav-sessions = Termine
nav-reports = Berichte
nav-courses = Kurse
nav-instructors = Trainer
nav-venues = Standorte
nav-resources = Ressourcen
nav-clients = Kunden
nav-programs = Programme
nav-learners = Teilnehmende
nav-invoices = Rechnungen
nav-delivery-log = Versandprotokoll
nav-message-templates = Nachrichtenvorlagen
nav-reminders = Erinnerungen
nav-audit-trail = Änderungsprotokoll
nav-users = Benutzer
nav-our-sessions = Unsere Termine
nav-our-learners = Unsere Teilnehmenden
nav-enroll-people = Personen anmelden
nav-our-invoices = Unsere Rechnungen
nav-our-figures = Unsere Kennzahlen
nav-calendar = Kalender
nav-my-schedule = Mein Plan
nav-my-calendar = Mein Kalender
nav-calendar-feed = Kalender-Feed
nav-my-utilization = Meine Auslastung
nav-my-sessions = Meine Termine
nav-course-catalog = Kurskatalog
nav-api-tokens = API-Schlüssel
nav-certificates = Zertifikate
nav-our-certificates = Unsere Zertifikate
nav-agreements = Vereinbarungen
nav-tax---exchange-rates = Steuern & Wechselkurse
nav-webhooks = Webhooks
role-admin = Administration
role-manager = Leitung
role-coordinator = Koordination
role-finance = Buchhaltung
role-instructor = Trainer
role-client-contact = Kundenkontakt
role-learner = Teilnehmer

## Anmeldeseite

login-title = Anmelden
login-intro = Melden Sie sich an, um Ihren Schulungsbetrieb zu steuern.
login-email = E-Mail
login-password = Passwort
login-submit = Anmelden
login-forgot = Passwort vergessen?

## Listen (jede Listenseite)

list-export-csv = Als CSV exportieren
list-search = Suchen
list-search-placeholder = { $what } durchsuchen…
list-clear = Zurücksetzen
list-filters = Filter
list-filters-set = { $count } gesetzt
list-apply = Anwenden
list-no-match = Keine Treffer für diese Filter.
list-clear-filters = Filter zurücksetzen
list-clear-filters-rest = , um alles zu sehen.
list-empty = Noch keine { $what }.
list-previous = ← Zurück
list-next = Weiter →
list-page = Seite { $page } von { $pages }

## Die Terminliste

sessions-title = Termine
sessions-title-ours = Unsere Termine
sessions-new = Neuer Termin
sessions-empty-hint = Planen Sie einen Termin zu einem Kurs: seine Tage, Ort oder Plattform und Plätze.
sessions-public = Offen
filter-status = Status
filter-delivery = Format
filter-type = Art
filter-course = Kurs
filter-client = Kunde
filter-venue = Standort
filter-program = Programm
filter-language = Sprache
filter-from = Von
filter-to = Bis
filter-any = Alle
filter-archived = Archivierte zeigen
col-reference = Nummer
col-course = Kurs
col-starts = Beginn
col-where = Ort
col-for = Für
col-status = Status
col-booked = Gebucht
col-waitlist = Warteliste
col-language = Sprache
status-draft = Entwurf
status-scheduled = Geplant
status-confirmed = Bestätigt
status-delivered = Durchgeführt
status-closed = Abgeschlossen
status-cancelled = Abgesagt
status-postponed = Verschoben
mode-ilt = Präsenz (ILT)
mode-vilt = Virtuell (vILT)
mode-blended = Blended
visibility-public = Offen
visibility-private = Firmenintern

## Die Terminseite

session-back = Termine
session-subtitle = Termin { $reference } · { $when }
session-taught-in = Unterrichtssprache: { $language }
tab-overview = Überblick
tab-staffing = Trainer
tab-bookings = Buchungen
tab-enrollments = Anmeldungen
tab-history = Verlauf
tab-list-label = Termin

## Die Übersicht

dashboard-title = Übersicht
dashboard-heading = Betriebsübersicht
dashboard-fill-next = Auslastung, nächste 30 Tage ({ $booked } von { $capacity } Plätzen)
dashboard-fill-past = Auslastung, letzte 90 Tage
dashboard-sessions-next = Termine in den nächsten 90 Tagen
dashboard-attention-count = Termine mit Handlungsbedarf (nächste 3 Wochen)
dashboard-this-month = Dieser Monat im Vergleich zum Vormonat
dashboard-vs = ggü.
dashboard-all-kpis = Alle Kennzahlen, Diagramme und Exporte →
dashboard-by-status = Nächste 90 Tage nach Status
dashboard-nothing-scheduled = In den nächsten 90 Tagen ist nichts geplant.
dashboard-schedule-one = Einen Termin planen
dashboard-needs-attention = Handlungsbedarf
dashboard-all-fine = Jeder Termin der nächsten drei Wochen ist besetzt und findet statt.
dashboard-col-session = Termin
dashboard-col-course = Kurs
dashboard-col-starts = Beginn
dashboard-col-why = Grund
dashboard-col-status = Status
dashboard-col-booked = Gebucht
dashboard-coming-up = Demnächst
dashboard-all-sessions = Alle Termine →

# Budgets
nav-budgets = Budgets
budgets-title = Budgets
budgets-new = Neues Budget
budgets-intro = Jedes Budget vergleicht seinen Betrag mit den Kostenpositionen der Termine, die in seinen Monaten beginnen und zu seinem Programm, Kunden oder seiner Kostenstelle gehören. Gebunden ist, was beauftragt und tatsächlich angefallen ist; überschreitet das die Warnschwelle, erhält die Buchhaltung einmal eine E-Mail und das Budget erscheint in der Übersicht.
budgets-scope = Bereich
budgets-apply = Anwenden
budgets-clear = Zurücksetzen
budgets-actual = Ist
budgets-committed = Beauftragt
budgets-planned = Geplant
budgets-budget = Budget
budgets-threshold-short = Warnschwelle
budgets-empty = Keine Budgets.
budgets-empty-hint = Legen Sie unten eines für ein Programm, einen Kunden oder eine Kostenstelle an.
budgets-for = Für
budgets-bar = Budget, beauftragt und Ist
budgets-alert = Warnung
budgets-name = Name
budgets-period = Zeitraum
budgets-used = Verbraucht
budgets-over-budget = Über Budget
budgets-over-threshold = Über Warnschwelle
budgets-within = Im Budget
budgets-create = Budget anlegen
budgets-cost-centres = Kostenstellen
budgets-no-cost-centres = Noch keine Kostenstellen. Legen Sie eine an und ordnen Sie ihr Programme zu.
budgets-code = Kürzel
budgets-programs = Programme
budgets-clients = Kunden
budgets-sessions = Termine
budgets-add-cost-centre = Kostenstelle anlegen
budgets-program = Programm
budgets-cost-centre = Kostenstelle
budgets-tag = Programm zuordnen
budgets-all = Alle Budgets
budgets-remaining = Verbleibend
budgets-other-currencies = Positionen in anderen Währungen (nicht gezählt)
budgets-no-sessions = Noch kein Termin zählt für dieses Budget.
budgets-session = Termin
budgets-course = Kurs
budgets-starts = Beginn
budgets-status = Status
budgets-edit = Budget ändern
budgets-save = Speichern
budgets-archive = Budget archivieren
budgets-from-month = Erster Monat
budgets-to-month = Letzter Monat
budgets-amount = Betrag
budgets-currency = Währung
budgets-threshold = Warnschwelle (% des Budgets)
budgets-all-scopes = Alle
budgets-scope-program = Programm
budgets-scope-client = Kunde
budgets-scope-cost-centre = Kostenstelle
dashboard-budget-over = Beauftragt und Ist { $used } von Budget { $budget }
