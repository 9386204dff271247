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
nav-quotes = Angebote
nav-our-quotes = Unsere Angebote
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

## Quotes

quotes-title = Angebote
quotes-new = Neues Angebot
quotes-number = Nummer
quotes-client = Kunde
quotes-offer = Angebot
quotes-status = Status
quotes-valid-until = Gültig bis
quotes-total = Gesamt
quotes-search = Suche
quotes-search-hint = Nummer, Titel oder Kunde
quotes-any = Alle
quotes-apply = Anwenden
quotes-clear = Zurücksetzen
quotes-empty = Hier gibt es keine Angebote.
quote-one = Angebot
quote-status-draft = Entwurf
quote-status-sent = Versendet
quote-status-accepted = Angenommen
quote-status-declined = Abgelehnt
quote-status-expired = Abgelaufen
quote-title-field = Titel
quote-currency = Währung
quote-start-week = Beginn in der Woche vom
quote-notes = Anmerkungen
quote-course = Kurs
quote-description = Beschreibung
quote-sessions = Termine
quote-pricing = Preis
quote-per-session = pauschal pro Termin
quote-per-seat = pro Platz × Plätze
quote-unit-price = Preis
quote-seats = Plätze
quote-discount = Rabatt %
quote-tax = Steuer %
quote-net = Netto
quote-lines = Positionen
quote-lines-help = Leere Zeilen werden ausgelassen; ohne Beschreibung gilt der Kurstitel. Für weitere Zeilen speichern und erneut bearbeiten.
quote-save-draft = Entwurf speichern
quote-edit-draft = Entwurf bearbeiten
quote-correct-fields = Bitte korrigieren Sie die markierten Felder.
quote-pdf = PDF
quote-send = An den Kunden senden
quote-send-confirm = Senden? Die Ansprechpersonen des Kunden erhalten das PDF, danach ist es nicht mehr änderbar.
quote-program = Programm
quote-decline-reason = Grund der Ablehnung
quote-your-answer = Ihre Antwort
quote-accept = Angebot annehmen
quote-accept-confirm = Dieses Angebot annehmen? Wir planen dann die Termine für Sie.
quote-decline = Ablehnen
quote-history = Verlauf
portal-quotes = Angebote
portal-quotes-empty = Noch keine Angebote für Ihre Organisation.
portal-quotes-answer = Beantworten
