#!/usr/bin/env python3
"""Trainyard's auto-scheduler against Google OR-Tools CP-SAT (issue 5, "A comparison").

Both solvers get the same problem: a Trainyard-shaped quarter from the planner's seeded generator
(`trainyard_planner::plan::generate::quarter`), exported as the planner's `Problem` JSON by the
`plan_json` example. This script builds an exact CP-SAT model of that problem -- every hard
constraint as a constraint, every soft term with the engine's weights and the engine's exact
definition -- and solves it; the planner solves the same JSON; the CP-SAT plan is then priced by
the engine's own cost code (`plan_json evaluate`) to check that both optimise the same objective,
and the planner's plan is fixed into the CP-SAT model to check that the model admits it at the
same cost.

OR-Tools is only this outside reference: it is never a runtime dependency of Trainyard.

    python3 bench/cpsat_compare.py small      # the small instances, CP-SAT 60 s, planner 3 s
    python3 bench/cpsat_compare.py quarter    # 1,000 sessions / 150 instructors / 60 rooms, 10 s each
    python3 bench/cpsat_compare.py one FILE   # any Problem JSON

See bench/README.md.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict

from ortools.sat.python import cp_model

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (sessions, instructors, rooms, weeks, seed): small enough for CP-SAT to prove optimality
# (all but the last within 60 s on 2 cores).
SMALL = [
    (10, 4, 6, 1, 1),
    (15, 5, 6, 1, 2),
    (20, 6, 6, 1, 3),
    (20, 6, 12, 2, 4),
    (25, 6, 12, 2, 5),
    (30, 8, 12, 2, 6),
    (30, 8, 6, 2, 7),
    (40, 10, 12, 3, 8),
    (50, 12, 12, 3, 9),
    (60, 15, 18, 4, 10),  # CP-SAT usually does not close this one in 60 s
]

QUARTER = (1000, 150, 60, 13, 1)

TERMS = [
    "instructor_cost", "travel", "fairness", "preferred_days", "preferred_rooms", "min_days",
    "program_spread", "compactness", "room_stability", "capacity", "moved_parts",
    "instructor_changes",
]
# Problem.weights field of each term.
WEIGHT_OF = {
    "instructor_cost": "instructor_cost", "travel": "travel", "fairness": "fairness",
    "preferred_days": "preferred_day", "preferred_rooms": "preferred_room",
    "min_days": "min_days", "program_spread": "program_spread", "compactness": "compactness",
    "room_stability": "room_stability", "capacity": "capacity", "moved_parts": "moved",
    "instructor_changes": "instructor_changed",
}
DEFAULT_WEIGHTS = {
    "instructor_cost": 1, "travel": 10, "fairness": 1, "preferred_day": 5, "preferred_room": 5,
    "min_days": 5, "program_spread": 5, "compactness": 2, "room_stability": 1, "capacity": 1,
    "moved": 100, "instructor_changed": 100,
}


# --------------------------------------------------------------------------------------------
# The planner side (the `plan_json` example of crates/planner).

def planner_bin(args):
    if args.planner_bin:
        return args.planner_bin
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target"))
    subprocess.run(
        ["cargo", "build", "--release", "-p", "trainyard-planner", "--example", "plan_json"],
        cwd=REPO, check=True)
    return os.path.join(target, "release", "examples", "plan_json")


def run_json(cmd, out):
    subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL)
    with open(out) as f:
        return json.load(f)


def generate(bin_, spec, path):
    s, i, r, w, seed = spec
    subprocess.run([bin_, "generate", "--sessions", str(s), "--instructors", str(i),
                    "--rooms", str(r), "--weeks", str(w), "--seed", str(seed), "--out", path],
                   check=True, stderr=subprocess.DEVNULL)


def planner_solve(bin_, problem_path, seconds, seed, threads, out):
    return run_json([bin_, "solve", problem_path, "--seconds", str(seconds), "--seed", str(seed),
                     "--threads", str(threads), "--out", out], out)


def planner_evaluate(bin_, problem_path, solution_path, out):
    return run_json([bin_, "evaluate", problem_path, solution_path, "--out", out], out)


# --------------------------------------------------------------------------------------------
# The CP-SAT model.

class Unsupported(Exception):
    pass


def domain(p, s):
    """Allowed start periods of a part of session s (the engine's `compiled::domain`)."""
    g = p["grid"]
    ppd, days = g["periods_per_day"], g["days"]
    first, last = s.get("window") or (0, days - 1)
    allowed_days = set(s.get("allowed_days") or [])
    allowed_starts = set(s.get("allowed_starts") or [])
    forbidden = set(s.get("forbidden_periods") or [])
    ln = s.get("part_len", 1)
    out = []
    for d in range(first, min(last, days - 1) + 1):
        if allowed_days and d not in allowed_days:
            continue
        for slot in range(ppd):
            if slot + ln > ppd:
                break
            if allowed_starts and slot not in allowed_starts:
                continue
            t0 = d * ppd + slot
            if any(q in forbidden for q in range(t0, t0 + ln)):
                continue
            out.append(t0)
    return out


def lsum(terms):
    return cp_model.LinearExpr.sum(terms) if terms else 0


class Model:
    """An exact CP-SAT model of a planner `Problem`.

    Variables: x[p][(t, r)] part p starts at period t in room r (r None: virtual); y[s][i] session
    s is taught by instructor i; v[p][(t, i, l)] part p starts at t with instructor i at location
    l (l None: no location), tied to x and y by a flow formulation (exact for 0/1 values: the
    (t, l) x i matrix of a part has row sums = the part's (t, l) choice and column sums = the
    session's instructor choice, so its single 1 is their product).
    """

    def __init__(self, p):
        self.p = p
        g = p["grid"]
        self.ppd, self.days = g["periods_per_day"], g["days"]
        self.T = self.days * self.ppd
        self.week_of_day = g.get("week_of_day") or [d // 7 for d in range(self.days)]
        self.month_of_day = g.get("month_of_day") or [d // 30 for d in range(self.days)]
        w = dict(DEFAULT_WEIGHTS)
        w.update(p.get("weights") or {})
        self.capacity_soft = p.get("capacity", "hard") == "soft"
        self.W = {t: w[WEIGHT_OF[t]] for t in TERMS}
        if not self.capacity_soft:
            self.W["capacity"] = 0  # the engine ignores the weight when capacity is hard
        # Gaps in multi-day courses (`consecutive_days`) are not modelled here; the generator
        # never sets it, so the term is zero on both sides. Refuse rather than compare unequal costs.
        if any(s.get("consecutive_days") for s in p["sessions"]):
            raise SystemExit("consecutive_days sessions are not modelled by this comparison")
        self.m = cp_model.CpModel()
        self.build()

    # -- helpers
    def loc_of_room(self, r):
        return None if r is None else self.p["rooms"][r].get("location")

    def build(self):
        p, m, T, ppd = self.p, self.m, self.T, self.ppd
        rooms, insts = p["rooms"], p["instructors"]
        n_loc = len(p.get("locations") or [])
        travel = p.get("travel") or []

        def trav(a, b):
            if a is None or b is None or not travel:
                return 0
            return travel[a][b]

        room_closed = [set(r.get("unavailable") or []) for r in rooms]
        inst_unav = [set(i.get("unavailable") or []) for i in insts]
        base = [defaultdict(int) for _ in insts]           # busy occupancy per period
        base_loc = [defaultdict(list) for _ in insts]      # busy location per period
        base_week = [defaultdict(int) for _ in insts]
        base_month = [defaultdict(int) for _ in insts]
        for k, ins in enumerate(insts):
            for b in ins.get("busy") or []:
                t0 = b["day"] * ppd + b["start"]
                for q in range(t0, t0 + b["len"]):
                    base[k][q] += 1
                    if b.get("location") is not None:
                        base_loc[k][q].append(b["location"])
                base_week[k][self.week_of_day[b["day"]]] += 1
                base_month[k][self.month_of_day[b["day"]]] += 1
            if any(v >= 2 for v in base[k].values()):
                raise Unsupported(f"instructor {ins['id']}: fixed busy entries overlap")

        self.parts = []            # (session index, part index)
        self.x, self.v, self.y = [], [], []
        self.sess_parts = []
        room_occ = defaultdict(list)      # (r, q) -> [var]
        coh_occ = defaultdict(list)       # (k, q) -> [var]
        pool_occ = defaultdict(list)      # (pool, q) -> [(count, var)]
        inst_occ = defaultdict(list)      # (i, q) -> [var]
        inst_loc_occ = defaultdict(list)  # (i, q, l) -> [var]
        inst_week = defaultdict(list)
        inst_month = defaultdict(list)
        obj = defaultdict(list)           # term -> [linear terms]
        const = defaultdict(int)          # term -> constant
        self.start_expr = []

        for si, s in enumerate(p["sessions"]):
            ln = s.get("part_len", 1)
            virtual = s.get("mode", "in_person") == "virtual"
            pub = s.get("published")
            starts = domain(p, s)
            if s.get("pinned"):
                starts = sorted({sl["day"] * ppd + sl["start"] for sl in pub["parts"]})
            if virtual:
                srooms = [None]
            else:
                srooms = [r for r in s.get("rooms") or []
                          if self.capacity_soft or rooms[r]["capacity"] >= s.get("learners", 0)]
            cands = [(c["instructor"], c.get("cost_per_part", 0)) for c in s["instructors"]]
            if s.get("pinned") and pub.get("instructor") is not None:
                pi = pub["instructor"]
                cands = [(i, c) for i, c in cands if i == pi] or [(pi, 0)]
            if not starts or not srooms or not cands:
                raise Unsupported(f"session {s['id']} cannot be placed at all (the planner "
                                  "reports it as unplaced; CP-SAT would call the problem infeasible)")
            ys = {i: m.new_bool_var(f"y{si}_{i}") for i, _ in cands}
            m.add_exactly_one(ys.values())
            self.y.append(ys)
            parts_n = s["parts"]
            # instructor cost and load
            if self.W["instructor_cost"]:
                obj["instructor_cost"] += [parts_n * c * ys[i] for i, c in cands if c]
            pref_days = set(s.get("preferred_days") or [])
            pref_rooms = set(s.get("preferred_rooms") or [])
            plist = []
            day_parts = defaultdict(list)  # day -> [X vars of this session's parts]
            room_parts = defaultdict(list)
            for j in range(parts_n):
                pidx = len(self.parts)
                self.parts.append((si, j))
                plist.append(pidx)
                xs = {}
                for t in starts:
                    cover = range(t, t + ln)
                    for r in srooms:
                        if r is not None and any(q in room_closed[r] for q in cover):
                            continue
                        if s.get("pinned"):
                            sl = pub["parts"][j]
                            if (sl["day"] * ppd + sl["start"], sl.get("room")) != (t, r):
                                continue
                        xs[(t, r)] = m.new_bool_var(f"x{pidx}_{t}_{r}")
                if not xs:
                    raise Unsupported(f"session {s['id']}: every room closed")
                m.add_exactly_one(xs.values())
                self.x.append(xs)
                # X[t], XL[(t, l)]
                X = defaultdict(list)
                XL = defaultdict(list)
                for (t, r), var in xs.items():
                    X[t].append(var)
                    XL[(t, self.loc_of_room(r))].append(var)
                    if r is not None:
                        for q in range(t, t + ln):
                            room_occ[(r, q)].append(var)
                        room_parts[r].append(var)
                        if pref_rooms and r not in pref_rooms:
                            obj["preferred_rooms"].append(var)
                        if self.capacity_soft:
                            over = s.get("learners", 0) - rooms[r]["capacity"]
                            if over > 0:
                                obj["capacity"].append(over * var)
                self.start_expr.append(lsum([t * var for (t, _), var in xs.items()]))
                for t, vs in X.items():
                    d = t // ppd
                    day_parts[d] += vs
                    if pref_days and d not in pref_days:
                        obj["preferred_days"] += vs
                    for q in range(t, t + ln):
                        for k in s.get("cohorts") or []:
                            coh_occ[(k, q)] += vs
                        for need in s.get("resources") or []:
                            pool_occ[(need["pool"], q)] += [(need["count"], v) for v in vs]
                # v[(t, i, l)], flow-linked to XL and y
                vv = {}
                col = defaultdict(list)
                for (t, l), vs in XL.items():
                    row = []
                    for i, _ in cands:
                        if any(q in inst_unav[i] for q in range(t, t + ln)):
                            continue  # unavailable: a hard violation
                        if any(base[i].get(q, 0) for q in range(t, t + ln)):
                            continue  # busy outside the problem: a double booking
                        var = m.new_bool_var(f"v{pidx}_{t}_{i}_{l}")
                        vv[(t, i, l)] = var
                        row.append(var)
                        col[i].append(var)
                    m.add(lsum(row) == lsum(vs))
                for i, _ in cands:
                    m.add(lsum(col[i]) == ys[i])
                self.v.append(vv)
                for (t, i, l), var in vv.items():
                    d = t // ppd
                    for q in range(t, t + ln):
                        inst_occ[(i, q)].append(var)
                        if l is not None:
                            inst_loc_occ[(i, q, l)].append(var)
                    inst_week[(i, self.week_of_day[d])].append(var)
                    inst_month[(i, self.month_of_day[d])].append(var)
                    if self.W["travel"]:
                        tv = trav(insts[i].get("home"), l)
                        if tv:
                            obj["travel"].append(tv * var)
                # published: moved parts
                if pub is not None:
                    sl = pub["parts"][j]
                    key = (sl["day"] * ppd + sl["start"], None if virtual else sl.get("room"))
                    if self.W["moved_parts"]:
                        if key in xs:
                            const["moved_parts"] += 1
                            obj["moved_parts"].append(-xs[key])
                        else:
                            const["moved_parts"] += 1
            self.sess_parts.append(plist)
            # parts of one session never overlap (same instructor): order them by start
            if pub is None:
                for a, b in zip(plist, plist[1:]):
                    m.add(self.start_expr[a] + ln <= self.start_expr[b])
            if pub is not None and pub.get("instructor") is not None and self.W["instructor_changes"]:
                pi = pub["instructor"]
                const["instructor_changes"] += 1
                if pi in ys:
                    obj["instructor_changes"].append(-ys[pi])
            # min_days: max(0, min_days - distinct days)
            md = s.get("min_days", 0)
            if md and self.W["min_days"]:
                used = []
                for d, vs in day_parts.items():
                    u = m.new_bool_var(f"day{si}_{d}")
                    for var in vs:
                        m.add_implication(var, u)
                    m.add(u <= lsum(vs))
                    used.append(u)
                short = m.new_int_var(0, md, f"short{si}")
                m.add(short >= md - lsum(used))
                obj["min_days"].append(short)
            # room stability: distinct rooms - 1
            if not virtual and self.W["room_stability"] and len(room_parts) > 1:
                used = []
                for r, vs in room_parts.items():
                    u = m.new_bool_var(f"room{si}_{r}")
                    for var in vs:
                        m.add_implication(var, u)
                    m.add(u <= lsum(vs))
                    used.append(u)
                obj["room_stability"] += used
                const["room_stability"] -= 1

        # -- hard constraints
        for (r, q), vs in room_occ.items():
            if len(vs) > 1:
                m.add_at_most_one(vs)
        for (k, q), vs in coh_occ.items():
            if len(vs) > 1:
                m.add_at_most_one(vs)
        for (i, q), vs in inst_occ.items():
            if len(vs) > 1:
                m.add_at_most_one(vs)
        pools = p.get("pools") or []
        for (pl, q), ts in pool_occ.items():
            cap = pools[pl]["capacity"]
            if sum(c for c, _ in ts) > cap:
                m.add(lsum([c * var for c, var in ts]) <= cap)
        for k, ins in enumerate(insts):
            lim = ins.get("max_parts_per_week")
            if lim is not None:
                for w in set(self.week_of_day):
                    vs = inst_week.get((k, w), [])
                    if vs and len(vs) > lim - base_week[k][w]:
                        m.add(lsum(vs) <= max(0, lim - base_week[k][w]))
            lim = ins.get("max_parts_per_month")
            if lim is not None:
                for mo in set(self.month_of_day):
                    vs = inst_month.get((k, mo), [])
                    if vs and len(vs) > lim - base_month[k][mo]:
                        m.add(lsum(vs) <= max(0, lim - base_month[k][mo]))
        # travel buffer: parts of one instructor on one day at locations l1 (ending at q1) then l2
        # (starting at q2) need q2 - q1 - 1 >= travel[l1][l2] periods between them.
        if travel and any(any(row) for row in travel):
            locs = range(n_loc)
            for i in range(len(insts)):
                for d in range(self.days):
                    qs = range(d * ppd, (d + 1) * ppd)

                    def occ(q, l):
                        vs = inst_loc_occ.get((i, q, l), [])
                        fixed = 1 if l in base_loc[i].get(q, []) else 0
                        return vs, fixed
                    for q1 in qs:
                        for q2 in qs:
                            if q2 <= q1:
                                continue
                            for l1 in locs:
                                for l2 in locs:
                                    if l1 == l2 or trav(l1, l2) <= q2 - q1 - 1:
                                        continue
                                    a, fa = occ(q1, l1)
                                    b, fb = occ(q2, l2)
                                    if (not a and not fa) or (not b and not fb):
                                        continue
                                    if fa and fb:
                                        raise Unsupported("fixed busy entries break a travel buffer")
                                    m.add(lsum(a) + lsum(b) <= 1 - fa - fb)

        # -- soft terms that span sessions
        if self.W["fairness"]:
            loads = defaultdict(list)
            for si, s in enumerate(p["sessions"]):
                for i, var in self.y[si].items():
                    loads[i].append(s["parts"] * var)
            for i, ts in loads.items():
                ub = sum(p["sessions"][si]["parts"] for si in range(len(p["sessions"]))
                         if i in self.y[si])
                ld = m.new_int_var(0, ub, f"load{i}")
                m.add(ld == lsum(ts))
                # sq >= load^2 by its tangents (exact at integer loads: the tangents at a = load
                # and a = load - 1 meet there), tighter for the LP than a product constraint;
                # minimisation makes it equal.
                sq = m.new_int_var(0, ub * ub, f"sq{i}")
                for k in range(ub):
                    m.add(sq >= (2 * k + 1) * ld - k * (k + 1))
                obj["fairness"].append(sq)
        if self.W["program_spread"]:
            prog_day = defaultdict(list)
            for pidx, (si, j) in enumerate(self.parts):
                g = p["sessions"][si].get("program")
                if g is None:
                    continue
                for (t, r), var in self.x[pidx].items():
                    prog_day[(g, t // ppd)].append(var)
            for (g, d), vs in prog_day.items():
                if len(vs) > 1:
                    e = m.new_int_var(0, len(vs) - 1, f"spread{g}_{d}")
                    m.add(e >= lsum(vs) - 1)
                    obj["program_spread"].append(e)
        if self.W["compactness"]:
            # A cohort's period q is isolated when it is taken and neither neighbour on its day
            # is (occupancy is at most one, a hard constraint, so it is a 0/1 value).
            occ = {key: m.new_bool_var(f"occ{key[0]}_{key[1]}") for key in coh_occ}
            for key, vs in coh_occ.items():
                m.add(occ[key] == lsum(vs))
            for (k, q), o in occ.items():
                slot = q % ppd
                nb = []
                if slot > 0 and (k, q - 1) in occ:
                    nb.append(occ[(k, q - 1)])
                if slot + 1 < ppd and (k, q + 1) in occ:
                    nb.append(occ[(k, q + 1)])
                iso = m.new_bool_var(f"iso{k}_{q}")
                # iso == o and no neighbour taken (the upper bounds only help propagation)
                m.add_bool_or([iso, ~o] + nb)
                m.add_implication(iso, o)
                for n in nb:
                    m.add_implication(iso, ~n)
                obj["compactness"].append(iso)

        self.obj_terms = obj
        self.const = const
        self.term_expr = {t: lsum(obj[t]) + const[t] for t in TERMS}
        m.minimize(lsum([self.W[t] * self.term_expr[t] for t in TERMS if self.W[t]]))

    def size(self):
        pr = self.m.proto
        return len(pr.variables), len(pr.constraints)

    def fix(self, sessions):
        """Fixes a plan (the `sessions` of a planner solution) into the model."""
        ppd = self.ppd
        for sp in sessions:
            si = sp["session"]
            self.m.add(self.y[si][sp["instructor"]] == 1)
            slots = sorted((sl["day"] * ppd + sl["start"], sl.get("room")) for sl in sp["parts"])
            for pidx, key in zip(self.sess_parts[si], slots):
                if key not in self.x[pidx]:
                    raise Unsupported(f"{sp['id']}: slot {key} is not in the CP-SAT domain")
                self.m.add(self.x[pidx][key] == 1)

    def solution(self, solver):
        ppd = self.ppd
        out = []
        for si, s in enumerate(self.p["sessions"]):
            inst = next(i for i, var in self.y[si].items() if solver.value(var))
            parts = []
            for pidx in self.sess_parts[si]:
                (t, r) = next(k for k, var in self.x[pidx].items() if solver.value(var))
                parts.append({"day": t // ppd, "start": t % ppd, "room": r})
            out.append({"session": si, "id": s["id"], "instructor": inst, "parts": parts})
        return out

    def breakdown(self, solver):
        return {t: solver.value(self.term_expr[t]) * self.W[t] for t in TERMS}


class FirstSolution(cp_model.CpSolverSolutionCallback):
    def __init__(self):
        super().__init__()
        self.first = None
        self.last = None
        self.n = 0

    def on_solution_callback(self):
        self.n += 1
        if self.first is None:
            self.first = (self.wall_time, self.objective_value)
        self.last = (self.wall_time, self.objective_value)


def cpsat_solve(p, seconds, workers, fix=None, log=False, subsolver="max_lp_sym"):
    t0 = time.time()
    model = Model(p)
    if fix is not None:
        model.fix(fix)
    build = time.time() - t0
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = 1
    solver.parameters.log_search_progress = log
    if subsolver != "default":
        # With 2 workers CP-SAT's default portfolio runs one full-problem worker (default_lp)
        # beside LNS; its LP bound stalls on these models. The maximal linear relaxation with
        # symmetry (one of CP-SAT's own named workers) proves them optimal in seconds.
        solver.parameters.subsolvers.append(subsolver)
    cb = FirstSolution()
    status = solver.solve(model.m, cb)
    res = {
        "status": solver.status_name(status),
        "build_seconds": build,
        "seconds": solver.wall_time,
        "variables": model.size()[0],
        "constraints": model.size()[1],
        "first_solution_seconds": cb.first[0] if cb.first else None,
        "last_solution_seconds": cb.last[0] if cb.last else None,
        "solutions": cb.n,
    }
    bound = solver.best_objective_bound
    if bound == bound and abs(bound) != float("inf"):
        res["bound"] = int(round(bound))
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        res["objective"] = int(round(solver.objective_value))
        res["breakdown"] = model.breakdown(solver)
        res["sessions"] = model.solution(solver)
    return res


# --------------------------------------------------------------------------------------------

def engine_terms(cost):
    return {t: cost["soft"][t]["penalty"] for t in TERMS}


def compare(bin_, name, problem_path, a, work):
    with open(problem_path) as f:
        p = json.load(f)
    n_parts = sum(s["parts"] for s in p["sessions"])
    row = {"instance": name, "sessions": len(p["sessions"]), "parts": n_parts,
           "instructors": len(p["instructors"]), "rooms": len(p["rooms"]),
           "days": p["grid"]["days"]}
    print(f"== {name}: {row['sessions']} sessions ({n_parts} parts), {row['instructors']} "
          f"instructors, {row['rooms']} rooms, {row['days']} days", flush=True)

    pl = planner_solve(bin_, problem_path, a.planner_seconds, a.seed, a.threads,
                       os.path.join(work, f"{name}.planner.json"))
    row["planner"] = {k: pl[k] for k in ("status", "hard_total", "soft_total", "seconds",
                                          "first_feasible_seconds", "last_improvement_seconds")}
    row["planner"]["terms"] = engine_terms(pl["cost"])
    print(f"   planner  {pl['status']}: hard {pl['hard_total']} soft {pl['soft_total']} "
          f"(first feasible {pl['first_feasible_seconds']}, last improvement "
          f"{pl['last_improvement_seconds']}, limit {a.planner_seconds} s)", flush=True)

    cs = cpsat_solve(p, a.cpsat_seconds, a.workers, log=a.log, subsolver=a.cpsat_subsolver)
    row["cpsat"] = {k: v for k, v in cs.items() if k != "sessions"}
    print(f"   CP-SAT   {cs['status']}: objective {cs.get('objective')} bound {cs.get('bound')} "
          f"in {cs['seconds']:.2f} s (model {cs['variables']} vars, {cs['constraints']} "
          f"constraints, built in {cs['build_seconds']:.2f} s; first solution "
          f"{cs['first_solution_seconds']})", flush=True)

    if "sessions" in cs:
        sol_path = os.path.join(work, f"{name}.cpsat.json")
        with open(sol_path, "w") as f:
            json.dump({"sessions": cs["sessions"]}, f)
        ev = planner_evaluate(bin_, problem_path, sol_path, os.path.join(work, f"{name}.eval.json"))
        row["engine_on_cpsat"] = {"hard_total": ev["hard_total"], "soft_total": ev["soft_total"],
                                  "domain_violations": ev["domain_violations"],
                                  "terms": engine_terms(ev["cost"])}
        same = (ev["hard_total"] == 0 and not ev["domain_violations"]
                and ev["soft_total"] == cs["objective"])
        row["objective_check"] = "equal" if same else "DIFFERENT"
        print(f"   engine prices the CP-SAT plan: hard {ev['hard_total']} soft {ev['soft_total']} "
              f"domain violations {len(ev['domain_violations'])} -> {row['objective_check']}",
              flush=True)
        if not same:
            for t in TERMS:
                e, c = ev["cost"]["soft"][t]["penalty"], cs["breakdown"][t]
                if e != c:
                    print(f"      {t}: engine {e} CP-SAT model {c}")
        if pl["status"] == "feasible":
            gap = 100.0 * (pl["soft_total"] - cs["objective"]) / max(1, cs["objective"])
            row["gap_percent"] = gap
            if cs["status"] != "OPTIMAL":
                row["gap_to_bound_percent"] = (100.0 * (pl["soft_total"] - cs["bound"])
                                               / max(1, cs["bound"]))
            row["gap_by_term"] = {t: row["planner"]["terms"][t] - cs["breakdown"][t]
                                  for t in TERMS if row["planner"]["terms"][t] != cs["breakdown"][t]}
            print(f"   gap {gap:+.2f} %  by term (planner - CP-SAT): {row['gap_by_term']}",
                  flush=True)

    if "objective" not in cs and cs.get("bound", 0) > 0 and pl["status"] == "feasible":
        row["gap_to_bound_percent"] = 100.0 * (pl["soft_total"] - cs["bound"]) / max(1, cs["bound"])
        print(f"   no CP-SAT plan; the planner is at most {row['gap_to_bound_percent']:.2f} % above "
              f"CP-SAT's lower bound {cs['bound']}", flush=True)

    if pl["status"] == "feasible" and not a.no_fix_check:
        # The planner's plan fixed into the CP-SAT model: admitted, and at the same cost?
        fx = cpsat_solve(p, 30, a.workers, fix=pl["sessions"], subsolver=a.cpsat_subsolver)
        ok = fx["status"] in ("OPTIMAL", "FEASIBLE") and fx.get("objective") == pl["soft_total"]
        row["planner_in_cpsat_model"] = {"status": fx["status"], "objective": fx.get("objective"),
                                         "check": "equal" if ok else "DIFFERENT"}
        print(f"   planner plan fixed into the CP-SAT model: {fx['status']} objective "
              f"{fx.get('objective')} -> {'equal' if ok else 'DIFFERENT'}", flush=True)
        if not ok and "breakdown" in fx:
            for t in TERMS:
                if fx["breakdown"][t] != row["planner"]["terms"][t]:
                    print(f"      {t}: engine {row['planner']['terms'][t]} CP-SAT model "
                          f"{fx['breakdown'][t]}")
    return row


def table(rows, cpsat_seconds, planner_seconds):
    out = []
    out.append("| instance | sessions (parts) | instr. | rooms | days | CP-SAT status | CP-SAT objective "
               "| CP-SAT time | planner objective | planner first feasible / last improvement "
               "| gap | same objective? |")
    out.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        c, pl = r["cpsat"], r["planner"]
        obj = c.get("objective", "none")
        if c["status"] != "OPTIMAL" and c.get("bound", 0) > 0:
            obj = f"{obj} (bound {c['bound']})"
        ctime = f"{c['seconds']:.1f} s"
        if c.get("first_solution_seconds") is not None:
            ctime += f" (first {c['first_solution_seconds']:.2f} s)"
        plobj = pl["soft_total"] if pl["status"] == "feasible" else f"{pl['status']} (hard {pl['hard_total']})"
        ff = pl["first_feasible_seconds"]
        li = pl["last_improvement_seconds"]
        pt = f"{ff:.3f} s / {li:.2f} s" if ff is not None and li is not None else "—"
        gap = f"{r['gap_percent']:+.2f} %" if "gap_percent" in r else ""
        if "gap_to_bound_percent" in r:
            gap += f" (≤ {r['gap_to_bound_percent']:.2f} % above the bound)"
        gap = gap.strip() or "—"
        chk = r.get("objective_check", "—")
        if "planner_in_cpsat_model" in r:
            chk += " / " + r["planner_in_cpsat_model"]["check"]
        out.append(f"| {r['instance']} | {r['sessions']} ({r['parts']}) | {r['instructors']} | "
                   f"{r['rooms']} | {r['days']} | {c['status']} | {obj} | {ctime} | {plobj} | {pt} "
                   f"| {gap} | {chk} |")
    proven = [r for r in rows if r["cpsat"]["status"] == "OPTIMAL" and "gap_percent" in r]
    if proven:
        within = sum(1 for r in proven if r["gap_percent"] <= 2.0)
        exact = sum(1 for r in proven if r["gap_percent"] == 0.0)
        worst = max(r["gap_percent"] for r in proven)
        out.append("")
        out.append(f"Proven optimal by CP-SAT: {len(proven)}; planner within 2 %: {within}, "
                   f"equal to the optimum: {exact}, worst gap {worst:+.2f} %.")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["small", "quarter", "one"])
    ap.add_argument("file", nargs="?", help="a Problem JSON (mode one)")
    ap.add_argument("--cpsat-seconds", type=float, default=None)
    ap.add_argument("--planner-seconds", type=float, default=None)
    ap.add_argument("--workers", type=int, default=2, help="CP-SAT workers")
    ap.add_argument("--cpsat-subsolver", default="max_lp_sym",
                    help="CP-SAT's full-problem worker ('default': CP-SAT's own portfolio)")
    ap.add_argument("--threads", type=int, default=0, help="planner threads (0: one per core, at most 2)")
    ap.add_argument("--seed", type=int, default=1, help="planner seed")
    ap.add_argument("--only", help="comma-separated instance indices (mode small)")
    ap.add_argument("--planner-bin", help="the built plan_json example (default: cargo build it)")
    ap.add_argument("--work", help="directory for the JSON files (default: a temporary one)")
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--no-fix-check", action="store_true",
                    help="skip fixing the planner's plan into the CP-SAT model")
    ap.add_argument("--log", action="store_true", help="CP-SAT search log")
    a = ap.parse_args()
    if a.mode == "quarter":
        a.cpsat_seconds = a.cpsat_seconds or 10.0
        a.planner_seconds = a.planner_seconds or 10.0
    else:
        a.cpsat_seconds = a.cpsat_seconds or 60.0
        a.planner_seconds = a.planner_seconds or 3.0
    bin_ = planner_bin(a)
    work = a.work or tempfile.mkdtemp(prefix="trainyard-cpsat-")
    os.makedirs(work, exist_ok=True)
    print(f"ortools {__import__('ortools').__version__}; work files in {work}", flush=True)
    rows = []
    if a.mode == "small":
        specs = SMALL
        if a.only:
            specs = [SMALL[int(k)] for k in a.only.split(",")]
        for spec in specs:
            name = "q{}s-{}i-{}r-{}w-seed{}".format(*spec)
            path = os.path.join(work, f"{name}.problem.json")
            generate(bin_, spec, path)
            rows.append(compare(bin_, name, path, a, work))
    elif a.mode == "quarter":
        name = "q{}s-{}i-{}r-{}w-seed{}".format(*QUARTER)
        path = os.path.join(work, f"{name}.problem.json")
        generate(bin_, QUARTER, path)
        rows.append(compare(bin_, name, path, a, work))
    else:
        if not a.file:
            ap.error("mode one needs a FILE")
        rows.append(compare(bin_, os.path.basename(a.file), a.file, a, work))
    print()
    print(f"CP-SAT {a.cpsat_seconds:g} s limit, {a.workers} workers; planner {a.planner_seconds:g} s, "
          f"threads {a.threads or 'one per core (2)'}, seed {a.seed}")
    print(table(rows, a.cpsat_seconds, a.planner_seconds))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
