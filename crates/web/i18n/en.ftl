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
attention-unstaffed-underfilled = No confirmed instructor; { $booked } of minimum { $minimum } learners
attention-unstaffed = No confirmed instructor
attention-underfilled = Only { $booked } of minimum { $minimum } learners
attention-time-off = { $instructor } is on time off ({ $reason })
attention-qualification-expires = { $instructor }'s qualification for it is valid only until { $until }

## KPI tiles (dashboard and reports)

kpi-fill_rate = Session fill rate
kpi-fill_rate-definition = Seats filled ÷ seats offered, over the sessions held (scheduled, confirmed, delivered or closed) that start in the period. A delivered session counts the learners who came, one still to come its bookings.
kpi-instructor_utilization = Instructor utilization
kpi-instructor_utilization-definition = Hours teaching (accepted or confirmed assignments of sessions held) ÷ hours available (each instructor's weekly working pattern in their own time zone, minus time off), both counted by the hour inside the period: a session crossing the period's end brings only its hours inside it.
kpi-on_time_delivery = On-time delivery
kpi-on_time_delivery-definition = Sessions delivered and never postponed ÷ sessions scheduled that start in the period and were due to have ended by now.
kpi-cancellation_rate = Cancellation rate
kpi-cancellation_rate-definition = Sessions cancelled or postponed (also those since rescheduled) ÷ sessions scheduled (everything but drafts) that start in the period, by the reason last given.
kpi-admin_actions_per_session = Staff actions per session
kpi-admin_actions_per_session-definition = Staff actions in the audit trail on a session, its assignments and its enrollments ÷ sessions delivered that start in the period.
kpi-admin_minutes_per_session = Admin minutes per session
kpi-admin_minutes_per_session-definition = Admin minutes logged on sessions ÷ sessions delivered that start in the period.
kpi-attendance_rate = Attendance rate
kpi-attendance_rate-definition = Learners who came (attended, completed or failed) ÷ learners whose attendance was recorded, at sessions delivered that start in the period.
kpi-completion_rate = Completion rate
kpi-completion_rate-definition = Learners who completed ÷ learners whose attendance was recorded, at sessions delivered that start in the period.
kpi-cost_per_learner = Cost per learner
kpi-cost_per_learner-definition = Total session cost (each line's actual where finance entered it, else its committed or planned amount) ÷ learners booked, over the sessions delivered that end in the period, in the currency with the most revenue.
kpi-profitability = Profitability
kpi-profitability-definition = Margin ÷ revenue: revenue recognised on delivery (seat prices of public sessions, invoiced net of private ones) minus cost, over the sessions delivered that end in the period. By course, client, program and more in the profitability report.
kpi-client_satisfaction = Client satisfaction (operations)
kpi-client_satisfaction-definition = Mean of the operations questions of the satisfaction survey, by client.
kpi-up-from = up from
kpi-down-from = down from
kpi-level-with = level with
kpi-value-in = { $value } in { $period }
kpi-no-data-in = no data in { $period }
kpi-no-data = no data
kpi-arrives-with = arrives with { $part }
kpi-detail-seats = { $n } of { $d } seats
kpi-detail-hours-no-pattern = { $n } hours taught; no working hours recorded
kpi-detail-hours = { $n } of { $d } hours
kpi-detail-sessions-due = { $n } of { $d } sessions due
kpi-detail-sessions = { $n } of { $d } sessions
kpi-detail-actions = { $n } actions, { $d } sessions
kpi-detail-minutes = { $n } minutes, { $d } sessions
kpi-detail-learners = { $n } of { $d } learners
kpi-detail-cost-per-learner = { $d } learners at sessions delivered
kpi-detail-loss = margin ÷ revenue: a loss
kpi-detail-margin = margin ÷ revenue of sessions delivered
