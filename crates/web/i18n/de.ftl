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
attention-unstaffed-underfilled = Keine bestätigte Trainerin, kein bestätigter Trainer; { $booked } von mindestens { $minimum } Teilnehmenden
attention-unstaffed = Keine bestätigte Trainerin, kein bestätigter Trainer
attention-underfilled = Nur { $booked } von mindestens { $minimum } Teilnehmenden
attention-time-off = { $instructor } ist abwesend ({ $reason })
attention-qualification-expires = Die Qualifikation von { $instructor } dafür gilt nur bis { $until }

## KPI-Kacheln (Übersicht und Berichte)

kpi-fill_rate = Auslastung der Termine
kpi-fill_rate-definition = Belegte Plätze ÷ angebotene Plätze der stattfindenden Termine (geplant, bestätigt, durchgeführt oder abgeschlossen), die im Zeitraum beginnen. Ein durchgeführter Termin zählt die Teilnehmenden, die gekommen sind, ein künftiger seine Buchungen.
kpi-instructor_utilization = Auslastung der Trainer
kpi-instructor_utilization-definition = Unterrichtsstunden (angenommene oder bestätigte Einsätze stattfindender Termine) ÷ verfügbare Stunden (das Wochenmuster jeder Trainerin und jedes Trainers in der eigenen Zeitzone, abzüglich Abwesenheiten), beide stundengenau innerhalb des Zeitraums gezählt: Ein Termin über das Ende des Zeitraums hinaus bringt nur seine Stunden darin ein.
kpi-on_time_delivery = Termintreue
kpi-on_time_delivery-definition = Durchgeführte und nie verschobene Termine ÷ geplante Termine, die im Zeitraum beginnen und inzwischen beendet sein sollten.
kpi-cancellation_rate = Absagequote
kpi-cancellation_rate-definition = Abgesagte oder verschobene Termine (auch inzwischen neu geplante) ÷ geplante Termine (alles außer Entwürfen), die im Zeitraum beginnen, nach dem zuletzt genannten Grund.
kpi-admin_actions_per_session = Verwaltungsschritte je Termin
kpi-admin_actions_per_session-definition = Änderungen des Personals im Änderungsprotokoll an einem Termin, seinen Einsätzen und Anmeldungen ÷ durchgeführte Termine, die im Zeitraum beginnen.
kpi-admin_minutes_per_session = Verwaltungsminuten je Termin
kpi-admin_minutes_per_session-definition = Auf Termine gebuchte Verwaltungsminuten ÷ durchgeführte Termine, die im Zeitraum beginnen.
kpi-attendance_rate = Anwesenheitsquote
kpi-attendance_rate-definition = Gekommene Teilnehmende (anwesend, abgeschlossen oder nicht bestanden) ÷ Teilnehmende mit erfasster Anwesenheit, bei durchgeführten Terminen, die im Zeitraum beginnen.
kpi-completion_rate = Abschlussquote
kpi-completion_rate-definition = Teilnehmende mit Abschluss ÷ Teilnehmende mit erfasster Anwesenheit, bei durchgeführten Terminen, die im Zeitraum beginnen.
kpi-cost_per_learner = Kosten je Teilnehmer
kpi-cost_per_learner-definition = Gesamtkosten der Termine (je Position der Ist-Betrag, wo die Buchhaltung ihn erfasst hat, sonst der zugesagte oder geplante) ÷ gebuchte Teilnehmende, über die durchgeführten Termine, die im Zeitraum enden, in der Währung mit dem meisten Umsatz.
kpi-profitability = Rentabilität
kpi-profitability-definition = Marge ÷ Umsatz: bei Durchführung erfasster Umsatz (Platzpreise offener Termine, Nettorechnungsbetrag geschlossener) abzüglich Kosten, über die durchgeführten Termine, die im Zeitraum enden. Nach Kurs, Kunde, Programm und mehr im Rentabilitätsbericht.
kpi-client_satisfaction = Kundenzufriedenheit (Organisation)
kpi-client_satisfaction-definition = Mittelwert der Organisationsfragen der Zufriedenheitsumfrage, je Kunde.
kpi-up-from = gestiegen von
kpi-down-from = gesunken von
kpi-level-with = gleich wie
kpi-value-in = { $value } im Zeitraum { $period }
kpi-no-data-in = keine Daten im Zeitraum { $period }
kpi-no-data = keine Daten
kpi-arrives-with = kommt mit { $part }
kpi-detail-seats = { $n } von { $d } Plätzen
kpi-detail-hours-no-pattern = { $n } Stunden unterrichtet; keine Arbeitszeiten erfasst
kpi-detail-hours = { $n } von { $d } Stunden
kpi-detail-sessions-due = { $n } von { $d } fälligen Terminen
kpi-detail-sessions = { $n } von { $d } Terminen
kpi-detail-actions = { $n } Schritte, { $d } Termine
kpi-detail-minutes = { $n } Minuten, { $d } Termine
kpi-detail-learners = { $n } von { $d } Teilnehmenden
kpi-detail-cost-per-learner = { $d } Teilnehmende bei durchgeführten Terminen
kpi-detail-loss = Marge ÷ Umsatz: ein Verlust
kpi-detail-margin = Marge ÷ Umsatz der durchgeführten Termine
