# Trainyard's pages in English: the reference catalogue. Every key here must exist in every other
# catalogue (crates/web/src/i18n.rs tests it). Keep a key's meaning when you change its words.

## The chrome: header, navigation, footer

skip-to-content = Skip to content
search-label = Search
search-placeholder = Search sessions, people, clients…
sign-out = Sign out
nav-main = Main
footer-language = Language
footer-switch = Show this page in
nav-dashboard = Dashboard
nav-home = Home
nav-schedule = Schedule
nav-plan = Plan
nav-sessions = Sessions
nav-reports = Reports
nav-courses = Courses
nav-instructors = Instructors
nav-venues = Venues
nav-resources = Resources
nav-clients = Clients
nav-programs = Programs
nav-learners = Learners
nav-invoices = Invoices
nav-delivery-log = Delivery log
nav-message-templates = Message templates
nav-reminders = Reminders
nav-audit-trail = Audit trail
nav-users = Users
nav-our-sessions = Our sessions
nav-our-learners = Our learners
nav-enroll-people = Enroll people
nav-our-invoices = Our invoices
nav-quotes = Quotes
nav-our-quotes = Our quotes
nav-our-figures = Our figures
nav-calendar = Calendar
nav-my-schedule = My schedule
nav-my-calendar = My calendar
nav-calendar-feed = Calendar feed
nav-my-utilization = My utilization
nav-my-sessions = My sessions
nav-course-catalog = Course catalog
nav-api-tokens = API tokens
nav-certificates = Certificates
nav-our-certificates = Our certificates
nav-agreements = Agreements
nav-tax---exchange-rates = Tax & exchange rates
nav-webhooks = Webhooks
role-admin = Administrator
role-manager = Operations manager
role-coordinator = Operations coordinator
role-finance = Finance
role-instructor = Instructor
role-client-contact = Client contact
role-learner = Learner

## Sign-in page

login-title = Sign in
login-intro = Sign in to run your training operation.
login-email = E-mail
login-password = Password
login-submit = Sign in
login-forgot = Forgot your password?

## Lists (every list page)

list-export-csv = Export CSV
list-search = Search
list-search-placeholder = Search { $what }…
list-clear = Clear
list-filters = Filters
list-filters-set = { $count } set
list-apply = Apply
list-no-match = Nothing matches these filters.
list-clear-filters = Clear the filters
list-clear-filters-rest = to see everything.
list-empty = No { $what } yet.
list-previous = ← Previous
list-next = Next →
list-page = Page { $page } of { $pages }

## The sessions list

sessions-title = Sessions
sessions-title-ours = Our sessions
sessions-new = New session
sessions-empty-hint = Schedule a session of a course: its parts, venue or platform, and capacity.
sessions-public = Public
filter-status = Status
filter-delivery = Delivery
filter-type = Type
filter-course = Course
filter-client = Client
filter-venue = Venue
filter-program = Program
filter-language = Language
filter-from = From
filter-to = To
filter-any = Any
filter-archived = Show archived
col-reference = Reference
col-course = Course
col-starts = Starts
col-where = Where
col-for = For
col-status = Status
col-booked = Booked
col-waitlist = Waitlist
col-language = Language
status-draft = Draft
status-scheduled = Scheduled
status-confirmed = Confirmed
status-delivered = Delivered
status-closed = Closed
status-cancelled = Cancelled
status-postponed = Postponed
mode-ilt = Classroom (ILT)
mode-vilt = Virtual (vILT)
mode-blended = Blended
visibility-public = Public
visibility-private = Private

## The session page

session-back = Sessions
session-subtitle = Session { $reference } · { $when }
session-taught-in = Taught in { $language }
tab-overview = Overview
tab-staffing = Staffing
tab-bookings = Bookings
tab-enrollments = Enrollments
tab-history = History
tab-list-label = Session

## The dashboard

dashboard-title = Dashboard
dashboard-heading = Operations dashboard
dashboard-fill-next = Fill rate, next 30 days ({ $booked } of { $capacity } seats)
dashboard-fill-past = Fill rate, last 90 days
dashboard-sessions-next = Sessions in the next 90 days
dashboard-attention-count = Sessions needing attention (next 3 weeks)
dashboard-this-month = This month against last month
dashboard-vs = vs
dashboard-all-kpis = All KPIs, charts and exports →
dashboard-by-status = Next 90 days by status
dashboard-nothing-scheduled = Nothing scheduled in the next 90 days.
dashboard-schedule-one = Schedule a session
dashboard-needs-attention = Needs attention
dashboard-all-fine = Every session in the next three weeks is staffed and viable.
dashboard-col-session = Session
dashboard-col-course = Course
dashboard-col-starts = Starts
dashboard-col-why = Why
dashboard-col-status = Status
dashboard-col-booked = Booked
dashboard-coming-up = Coming up
dashboard-all-sessions = All sessions →

## Quotes

quotes-title = Quotes
quotes-new = New quote
quotes-number = Number
quotes-client = Client
quotes-offer = Offer
quotes-status = Status
quotes-valid-until = Valid until
quotes-total = Total
quotes-search = Search
quotes-search-hint = Number, title or client
quotes-any = Any
quotes-apply = Apply
quotes-clear = Clear
quotes-empty = No quotes here.
quote-one = Quote
quote-status-draft = Draft
quote-status-sent = Sent
quote-status-accepted = Accepted
quote-status-declined = Declined
quote-status-expired = Expired
quote-title-field = Title
quote-currency = Currency
quote-start-week = Start in the week of
quote-notes = Notes
quote-course = Course
quote-description = Description
quote-sessions = Sessions
quote-pricing = Priced
quote-per-session = flat per session
quote-per-seat = per seat × seats
quote-unit-price = Price
quote-seats = Seats
quote-discount = Discount %
quote-tax = Tax %
quote-net = Net
quote-lines = Lines
quote-lines-help = Blank rows are left out; an empty description takes the course's title. Save and edit again for more rows.
quote-save-draft = Save draft
quote-edit-draft = Edit the draft
quote-correct-fields = Please correct the fields marked below.
quote-pdf = PDF
quote-send = Send to the client
quote-send-confirm = Send it? The client's contacts receive the PDF and it can no longer change.
quote-program = Program
quote-decline-reason = Reason for declining
quote-your-answer = Your answer
quote-accept = Accept the quote
quote-accept-confirm = Accept this quote? We then plan its sessions for you.
quote-decline = Decline
quote-history = History
portal-quotes = Quotes
portal-quotes-empty = No quotes for your organisation yet.
portal-quotes-answer = Answer
