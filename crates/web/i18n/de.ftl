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
nav-feedback = Feedback
nav-my-feedback = Mein Feedback
nav-our-feedback = Unser Feedback
nav-survey-templates = Umfragevorlagen
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

# Feedback surveys: the public survey, the results
survey-title = Ihr Feedback
survey-hello = Hallo { $name }, danke für Ihre Teilnahme. Die Antworten dauern zwei Minuten.
survey-optional = freiwillig
survey-problems = Einige Antworten brauchen noch einen Blick: siehe die markierten Fragen.
survey-rating-help = 1 = schlecht, 5 = ausgezeichnet
survey-nps-help = 0 = überhaupt nicht wahrscheinlich, 10 = äußerst wahrscheinlich
survey-send = Antworten senden
survey-thanks-title = Vielen Dank!
survey-thanks = Ihre Antworten wurden gespeichert. Sie helfen uns, die nächste Schulung besser zu machen.
survey-answered = Diese Umfrage wurde mit diesem Link bereits beantwortet. Vielen Dank!
survey-unknown = Dieser Umfrage-Link ist ungültig. Bitte verwenden Sie den Link aus Ihrer E-Mail unverändert.
survey-default = Standard
survey-in-use = Versendet
survey-new-template = Neue Vorlage
feedback-title = Feedback
feedback-by = nach
feedback-group-by = Gruppieren nach
feedback-by-course = Kurs
feedback-by-instructor = Trainer
feedback-by-venue = Ort
feedback-by-client = Kunde
feedback-by-session = Termin
feedback-from = Termine mit Ende ab
feedback-to = bis
feedback-show = Anzeigen
feedback-reset = Zurücksetzen
feedback-invited = Eingeladen
feedback-answered = Beantwortet
feedback-rate = Rücklaufquote
feedback-rating = Durchschnittliche Bewertung
feedback-operations = Zufriedenheit mit der Organisation
feedback-comments = Kommentare
feedback-empty = Kein Feedback in diesem Zeitraum.
feedback-empty-hint = Einladungen gehen raus, wenn ein Termin als durchgeführt markiert wird; wählen Sie einen anderen Zeitraum oder eine andere Gruppierung.
feedback-no-answers = Noch keine Antworten.
feedback-question = Frage
feedback-result = Ergebnis
feedback-answers = Antworten
