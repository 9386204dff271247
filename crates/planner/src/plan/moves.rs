//! The annealer's moves. Each is applied to the plan, priced by the state's incremental cost, and
//! undone if refused:
//!
//! - move or swap: a part to another slot and room (half the time a room its session already
//!   uses); if a part of the same length sits there, the two trade places. While the plan is
//!   feasible, a move that would certainly put two parts of an instructor or a cohort in one
//!   period is refused before it is applied (`State::clashes`);
//! - Kempe chain: two periods, and the connected set of parts at them that share learners or an
//!   instructor, exchange periods (rooms reassigned greedily) — the move that escapes the plateaus
//!   of curriculum timetabling;
//! - change instructor: another qualified instructor for a whole session;
//! - reassign: another instructor for a session, or two sessions trading instructors, each
//!   session re-slotted (part by part, cheapest slot first) when its new instructor is busy at
//!   its slots — the compound move that lets a cheaper instructor take over a session whose
//!   slots they cannot make, which no single move reaches without breaking a hard constraint.

use super::model::NONE;
use super::search::Search;

#[derive(Default)]
pub(crate) struct Scratch {
    old: Vec<(u32, u32, u32)>,
    new: Vec<(u32, u32, u32)>,
    /// Sessions given another instructor by `reassign`, with their old instructor.
    old_inst: Vec<(u32, u32)>,
    chain1: Vec<u32>,
    chain2: Vec<u32>,
}

/// Accept or refuse the move just applied (`scratch.new` placed, `scratch.old` removed).
fn finish(se: &mut Search, temp: f64) {
    let (h, s) = (se.st.hard(), se.st.soft());
    if !accepts(se, h, s, temp) {
        swap_back(se, true);
        return;
    }
    if worsens(se, h, s) && se.best_is_pending() {
        swap_back(se, true);
        se.commit_best();
        swap_back(se, false);
    }
    took(se, h, s);
}

/// The annealing rule for a plan now at (`h`, `s`): fewer hard violations always, more never;
/// otherwise a soft worsening Δ with probability exp(−Δ/T).
fn accepts(se: &mut Search, h: i64, s: i64, temp: f64) -> bool {
    let dh = h - se.cur_hard;
    let ds = s - se.cur_soft;
    if dh != 0 {
        dh < 0
    } else {
        ds <= 0 || se.rng.unit() < (-(ds as f64) / temp).exp()
    }
}

/// Whether (`h`, `s`) is worse than the current plan in either part (the best plan, if not yet
/// copied, must be copied before such a move is kept).
fn worsens(se: &Search, h: i64, s: i64) -> bool {
    h > se.cur_hard || s > se.cur_soft
}

/// Keeps the move just priced at (`h`, `s`).
fn took(se: &mut Search, h: i64, s: i64) {
    se.cur_hard = h;
    se.cur_soft = s;
    se.accepted += 1;
    se.note();
}

/// A random movable session and another of its candidate instructors.
enum InstructorDraw {
    /// The session has one candidate: the caller makes a plain move instead.
    NoChoice,
    /// The draw picked the instructor it has.
    Same,
    /// (session, its instructor, the other candidate).
    Other(u32, u32, u32),
}

fn draw_instructor(se: &mut Search) -> InstructorDraw {
    let c = se.st.c;
    let x = c.movable[se.rng.below(c.movable.len())];
    let s = c.part_session[x as usize];
    let si = &c.sessions[s as usize];
    if si.instructors.len() < 2 {
        return InstructorDraw::NoChoice;
    }
    let old = se.st.inst_of[s as usize];
    let new = si.instructors[se.rng.below(si.instructors.len())].0;
    if new == old {
        InstructorDraw::Same
    } else {
        InstructorDraw::Other(s, old, new)
    }
}

/// `to_old`: replace the new positions by the old ones; otherwise the reverse.
fn swap_back(se: &mut Search, to_old: bool) {
    let (from, to) = if to_old {
        (&se.scratch.new, &se.scratch.old)
    } else {
        (&se.scratch.old, &se.scratch.new)
    };
    for &(x, _, _) in from {
        se.st.unplace(x);
    }
    for &(x, t, r) in to {
        se.st.place(x, t, r);
    }
}

/// Fills `scratch.old`/`scratch.new` with a random move or swap; false if none was drawn.
fn draw_move(se: &mut Search) -> bool {
    let c = se.st.c;
    let x = c.movable[se.rng.below(c.movable.len())];
    let s = c.part_session[x as usize] as usize;
    let si = &c.sessions[s];
    let t = si.starts[se.rng.below(si.starts.len())];
    let r = if si.is_virtual {
        NONE
    } else if se.keep_room > 0 && se.rng.below(100) < se.keep_room as usize {
        // The room of one of the session's parts (often its own): moves that keep the
        // session in its rooms, the ones that survive a cold search.
        let y = si.first_part + se.rng.below(si.parts as usize) as u32;
        let ry = se.st.pos_r[y as usize];
        if ry == NONE || !c.room_ok[s * c.n_rooms + ry as usize] {
            si.rooms[se.rng.below(si.rooms.len())]
        } else {
            ry
        }
    } else {
        si.rooms[se.rng.below(si.rooms.len())]
    };
    let tx = se.st.pos_t[x as usize];
    let rx = se.st.pos_r[x as usize];
    if t == tx && r == rx {
        return false;
    }
    let mut y = NONE;
    if r != NONE {
        for u in t..t + si.len {
            let o = se.st.room_occupant(r, u);
            if o != NONE && o != x {
                if y == NONE {
                    y = o;
                } else if y != o {
                    return false;
                }
            }
        }
    }
    se.scratch.old.clear();
    se.scratch.new.clear();
    if y != NONE {
        let ys = c.part_session[y as usize] as usize;
        if !c.is_movable[y as usize]
            || ys == s
            || se.st.pos_t[y as usize] != t
            || c.sessions[ys].len != si.len
            || rx == NONE
            || !c.start_ok[ys * c.t + tx as usize]
            || !c.room_ok[ys * c.n_rooms + rx as usize]
        {
            return false;
        }
        if se.cur_hard == 0 && (se.st.clashes(x, t, y) || se.st.clashes(y, tx, x)) {
            se.refused_early += 1;
            debug_assert_breaks_hard(se, &[(x, tx, rx), (y, t, r)], &[(x, t, r), (y, tx, rx)]);
            return false;
        }
        se.scratch.old.push((x, tx, rx));
        se.scratch.old.push((y, t, r));
        se.scratch.new.push((x, t, r));
        se.scratch.new.push((y, tx, rx));
    } else {
        if se.cur_hard == 0 && t != tx && se.st.clashes(x, t, NONE) {
            se.refused_early += 1;
            debug_assert_breaks_hard(se, &[(x, tx, rx)], &[(x, t, r)]);
            return false;
        }
        se.scratch.old.push((x, tx, rx));
        se.scratch.new.push((x, t, r));
    }
    true
}

/// Debug builds check that a move refused unapplied would indeed have broken a hard constraint.
fn debug_assert_breaks_hard(se: &mut Search, old: &[(u32, u32, u32)], new: &[(u32, u32, u32)]) {
    if cfg!(debug_assertions) {
        se.scratch.old.clear();
        se.scratch.new.clear();
        se.scratch.old.extend_from_slice(old);
        se.scratch.new.extend_from_slice(new);
        swap_back(se, false);
        let h = se.st.hard();
        swap_back(se, true);
        assert!(
            h > se.cur_hard,
            "a move refused unapplied would not break a hard constraint"
        );
    }
}

pub(crate) fn move_or_swap(se: &mut Search, temp: f64) {
    if !draw_move(se) {
        return;
    }
    swap_back(se, false);
    finish(se, temp);
}

/// The soft delta of a random move that keeps hard violations from growing (then undone).
pub(crate) fn probe(se: &mut Search) -> Option<i64> {
    if !draw_move(se) {
        return None;
    }
    swap_back(se, false);
    let dh = se.st.hard() - se.cur_hard;
    let ds = se.st.soft() - se.cur_soft;
    swap_back(se, true);
    (dh <= 0).then_some(ds)
}

/// The soft delta of giving a random session another candidate instructor, if that keeps hard
/// violations from growing (then undone).
pub(crate) fn probe_instructor(se: &mut Search) -> Option<i64> {
    let InstructorDraw::Other(s, old, new) = draw_instructor(se) else {
        return None;
    };
    se.st.set_instructor(s, new);
    let dh = se.st.hard() - se.cur_hard;
    let ds = se.st.soft() - se.cur_soft;
    se.st.set_instructor(s, old);
    (dh <= 0).then_some(ds)
}

#[inline]
fn conflicts(se: &Search, a: u32, b: u32) -> bool {
    let c = se.st.c;
    let sa = c.part_session[a as usize];
    let sb = c.part_session[b as usize];
    if c.sessions_conflict(sa, sb) {
        return true;
    }
    let ia = se.st.inst_of[sa as usize];
    ia != NONE && ia == se.st.inst_of[sb as usize]
}

/// Kempe chain between the period of a random part and another of its allowed periods (parts of
/// length one only).
pub(crate) fn kempe(se: &mut Search, temp: f64) {
    let c = se.st.c;
    let x = c.movable[se.rng.below(c.movable.len())];
    let s = c.part_session[x as usize] as usize;
    let si = &c.sessions[s];
    let t1 = se.st.pos_t[x as usize];
    let t2 = si.starts[se.rng.below(si.starts.len())];
    if t1 == t2 {
        return;
    }
    let mut ch1 = std::mem::take(&mut se.scratch.chain1);
    let mut ch2 = std::mem::take(&mut se.scratch.chain2);
    ch1.clear();
    ch2.clear();
    ch1.push(x);
    let (mut i1, mut i2) = (0, 0);
    let mut ok = true;
    'grow: while i1 < ch1.len() || i2 < ch2.len() {
        while i1 < ch1.len() {
            let a = ch1[i1];
            i1 += 1;
            for &b in &se.st.period_parts[t2 as usize] {
                if !ch2.contains(&b) && conflicts(se, a, b) {
                    ch2.push(b);
                }
            }
        }
        while i2 < ch2.len() {
            let b = ch2[i2];
            i2 += 1;
            for &a in &se.st.period_parts[t1 as usize] {
                if !ch1.contains(&a) && conflicts(se, a, b) {
                    ch1.push(a);
                }
            }
        }
        if ch1.len() + ch2.len() > 64 {
            ok = false;
            break 'grow;
        }
    }
    if ok {
        for (chain, to) in [(&ch1, t2), (&ch2, t1)] {
            for &p in chain.iter() {
                let ps = c.part_session[p as usize] as usize;
                if !c.is_movable[p as usize] || !c.start_ok[ps * c.t + to as usize] {
                    ok = false;
                }
            }
        }
    }
    if !ok {
        se.scratch.chain1 = ch1;
        se.scratch.chain2 = ch2;
        return;
    }
    se.scratch.old.clear();
    se.scratch.new.clear();
    for &p in ch1.iter().chain(ch2.iter()) {
        let (t, r) = (se.st.pos_t[p as usize], se.st.pos_r[p as usize]);
        se.scratch.old.push((p, t, r));
        se.st.unplace(p);
    }
    for (chain, to) in [(&ch1, t2), (&ch2, t1)] {
        for &p in chain.iter() {
            let old_r = se
                .scratch
                .old
                .iter()
                .find(|o| o.0 == p)
                .map_or(NONE, |o| o.2);
            let r = room_for(se, p, to, old_r);
            se.st.place(p, to, r);
            se.scratch.new.push((p, to, r));
        }
    }
    se.scratch.chain1 = ch1;
    se.scratch.chain2 = ch2;
    finish(se, temp);
}

/// A room for part `p` arriving at period `t`: its old room if free, else the free candidate room
/// that costs least (capacity shortfall, a room new to the session); the old room if none is free.
fn room_for(se: &Search, p: u32, t: u32, old_r: u32) -> u32 {
    let c = se.st.c;
    if old_r == NONE {
        return NONE;
    }
    if se.st.room_free(old_r, t) {
        return old_r;
    }
    let s = c.part_session[p as usize];
    let si = &c.sessions[s as usize];
    let w_cap = c.weights[super::cost::CAPACITY];
    let w_stab = c.weights[super::cost::ROOM_STABILITY];
    let mut best = (i64::MAX, old_r);
    for &r in &si.rooms {
        if !se.st.room_free(r, t) {
            continue;
        }
        let cap = c.room_cap[r as usize];
        let short = si.learners.saturating_sub(cap) as i64;
        let fresh = (se.st.sess_room_count(s, r) == 0) as i64;
        let waste = cap.saturating_sub(si.learners) as i64;
        let key = (short * w_cap + fresh * w_stab) * 100_000 + waste.min(99_999);
        if key < best.0 {
            best = (key, r);
        }
    }
    best.1
}

/// Another candidate instructor for the session of a random part.
pub(crate) fn change_instructor(se: &mut Search, temp: f64) {
    let (s, old, new) = match draw_instructor(se) {
        InstructorDraw::NoChoice => return move_or_swap(se, temp),
        InstructorDraw::Same => return,
        InstructorDraw::Other(s, old, new) => (s, old, new),
    };
    se.st.set_instructor(s, new);
    let (h, sc) = (se.st.hard(), se.st.soft());
    if !accepts(se, h, sc, temp) {
        se.st.set_instructor(s, old);
        return;
    }
    if worsens(se, h, sc) && se.best_is_pending() {
        se.st.set_instructor(s, old);
        se.commit_best();
        se.st.set_instructor(s, new);
    }
    took(se, h, sc);
}

/// Candidate slots tried per part when `reassign` re-slots a session.
const RESLOT_LIMIT: usize = 200;

/// Another candidate instructor for the session of a random part; half the time, when a session
/// of that instructor may be taught by this one, the two sessions trade instructors. A session
/// whose new instructor is busy (any hard violation among its parts) is re-slotted greedily.
pub(crate) fn reassign(se: &mut Search, temp: f64) {
    let c = se.st.c;
    let (a, ia, ib) = match draw_instructor(se) {
        InstructorDraw::NoChoice => return move_or_swap(se, temp),
        InstructorDraw::Same => return,
        InstructorDraw::Other(s, old, new) => (s, old, new),
    };
    let mut b = NONE;
    if ia != NONE && se.rng.below(2) == 0 {
        // A random session of `ib` that `ia` may teach (reservoir sampling).
        let mut seen = 0usize;
        for (s, si) in c.sessions.iter().enumerate() {
            if se.st.inst_of[s] == ib
                && s as u32 != a
                && c.is_movable[si.first_part as usize]
                && si.instructors.iter().any(|(j, _)| *j == ia)
            {
                seen += 1;
                if se.rng.below(seen) == 0 {
                    b = s as u32;
                }
            }
        }
    }
    se.scratch.old.clear();
    se.scratch.new.clear();
    se.scratch.old_inst.clear();
    for s in [a, b] {
        if s == NONE {
            continue;
        }
        let si = &c.sessions[s as usize];
        for p in si.first_part..si.first_part + si.parts {
            se.scratch
                .old
                .push((p, se.st.pos_t[p as usize], se.st.pos_r[p as usize]));
        }
        se.scratch.old_inst.push((s, se.st.inst_of[s as usize]));
    }
    se.st.set_instructor(a, ib);
    if b != NONE {
        se.st.set_instructor(b, ia);
    }
    for s in [a, b] {
        if s != NONE && se.st.hard() > se.cur_hard && in_violation(se, s) {
            reslot(se, s);
        }
    }
    let (h, sc) = (se.st.hard(), se.st.soft());
    if !accepts(se, h, sc, temp) {
        undo_reassign(se);
        return;
    }
    if worsens(se, h, sc) && se.best_is_pending() {
        // The best plan is the one before the move: restore it, copy it, re-apply the move.
        se.scratch.new.clear();
        for &(p, _, _) in &se.scratch.old {
            se.scratch
                .new
                .push((p, se.st.pos_t[p as usize], se.st.pos_r[p as usize]));
        }
        let now: Vec<(u32, u32)> = se
            .scratch
            .old_inst
            .iter()
            .map(|&(s, _)| (s, se.st.inst_of[s as usize]))
            .collect();
        undo_reassign(se);
        se.commit_best();
        for &(s, i) in &now {
            se.st.set_instructor(s, i);
        }
        swap_back(se, false);
    }
    took(se, h, sc);
}

/// Whether a part of session `s` takes part in a hard violation.
fn in_violation(se: &mut Search, s: u32) -> bool {
    let si = &se.st.c.sessions[s as usize];
    (si.first_part..si.first_part + si.parts)
        .any(|p| se.st.pos_t[p as usize] != NONE && se.st.part_hard(p).iter().any(|v| *v > 0))
}

/// Takes every part of session `s` out and puts each back at its cheapest slot, in order.
fn reslot(se: &mut Search, s: u32) {
    let si = &se.st.c.sessions[s as usize];
    let parts = si.first_part..si.first_part + si.parts;
    for p in parts.clone() {
        if se.st.pos_t[p as usize] != NONE {
            se.st.unplace(p);
        }
    }
    for p in parts {
        let (t, r) = se.best_slot(p, RESLOT_LIMIT);
        se.st.place(p, t, r);
    }
}

/// Puts the sessions `reassign` touched back: old instructors, old slots.
fn undo_reassign(se: &mut Search) {
    for &(p, _, _) in &se.scratch.old {
        if se.st.pos_t[p as usize] != NONE {
            se.st.unplace(p);
        }
    }
    for k in 0..se.scratch.old_inst.len() {
        let (s, i) = se.scratch.old_inst[k];
        se.st.set_instructor(s, i);
    }
    for k in 0..se.scratch.old.len() {
        let (p, t, r) = se.scratch.old[k];
        if t != NONE {
            se.st.place(p, t, r);
        }
    }
}
