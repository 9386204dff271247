//! The competition's solution format: one `course room day period` line per lecture.

use super::parser::{Instance, Lecture};

pub fn write(inst: &Instance, lectures: &[Lecture]) -> String {
    let mut out = String::with_capacity(lectures.len() * 20);
    for l in lectures {
        out.push_str(&inst.courses[l.course].id);
        out.push(' ');
        out.push_str(&inst.rooms[l.room].id);
        out.push(' ');
        out.push_str(&l.day.to_string());
        out.push(' ');
        out.push_str(&l.period.to_string());
        out.push('\n');
    }
    out
}
