//! The `.ctt` instance format of ITC2007 track 3 (and its solution format). Errors carry the
//! 1-based line number they were found on.

use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Course {
    pub id: String,
    pub teacher: usize,
    pub lectures: u32,
    pub min_days: u32,
    pub students: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    pub id: String,
    pub capacity: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Curriculum {
    pub id: String,
    pub courses: Vec<usize>,
}

/// A period in which a course may not be taught.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unavailability {
    pub course: usize,
    pub day: u32,
    pub period: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    pub name: String,
    pub days: u32,
    pub periods_per_day: u32,
    pub courses: Vec<Course>,
    pub teachers: Vec<String>,
    pub rooms: Vec<Room>,
    pub curricula: Vec<Curriculum>,
    pub unavailability: Vec<Unavailability>,
}

impl Instance {
    pub fn course_index(&self, id: &str) -> Option<usize> {
        self.courses.iter().position(|c| c.id == id)
    }

    pub fn room_index(&self, id: &str) -> Option<usize> {
        self.rooms.iter().position(|r| r.id == id)
    }

    pub fn lectures(&self) -> u32 {
        self.courses.iter().map(|c| c.lectures).sum()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based; the line after the last when the file ends early.
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

struct Lines<'a> {
    lines: Vec<(usize, &'a str)>,
    next: usize,
    last_line: usize,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        let all: Vec<&str> = text.lines().collect();
        let lines = all
            .iter()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim()))
            .filter(|(_, l)| !l.is_empty())
            .collect();
        Lines {
            lines,
            next: 0,
            last_line: all.len() + 1,
        }
    }

    fn peek(&self) -> Option<(usize, &'a str)> {
        self.lines.get(self.next).copied()
    }

    fn take(&mut self, what: &str) -> Result<(usize, &'a str), ParseError> {
        let l = self.peek().ok_or_else(|| ParseError {
            line: self.last_line,
            message: format!("the file ends where {what} was expected"),
        })?;
        self.next += 1;
        Ok(l)
    }
}

fn err<T>(line: usize, message: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError {
        line,
        message: message.into(),
    })
}

fn number(line: usize, field: &str, s: &str) -> Result<u32, ParseError> {
    s.parse::<u32>().or_else(|_| {
        err(
            line,
            format!("{field} must be a non-negative whole number, not {s:?}"),
        )
    })
}

fn header(lines: &mut Lines, key: &str) -> Result<(usize, String), ParseError> {
    let (n, l) = lines.take(&format!("the header line {key}:"))?;
    let Some((k, v)) = l.split_once(':') else {
        return err(
            n,
            format!("expected the header line \"{key}: …\", found {l:?}"),
        );
    };
    if k.trim() != key {
        return err(
            n,
            format!("expected the header \"{key}:\", found \"{}:\"", k.trim()),
        );
    }
    let v = v.trim();
    if v.is_empty() {
        return err(n, format!("the header {key} has no value"));
    }
    Ok((n, v.to_owned()))
}

fn section(lines: &mut Lines, name: &str, expected: usize, what: &str) -> Result<(), ParseError> {
    let (n, l) = lines.take(name)?;
    if l != name {
        return err(
            n,
            format!(
                "expected {name} after {expected} {what}, found {l:?} (the header's count does not match)"
            ),
        );
    }
    Ok(())
}

/// Reads `count` lines of a section; a section keyword arriving early is a count mismatch.
fn rows<'a>(
    lines: &mut Lines<'a>,
    count: usize,
    what: &str,
) -> Result<Vec<(usize, Vec<&'a str>)>, ParseError> {
    let mut out = Vec::with_capacity(count);
    for k in 0..count {
        let (n, l) = lines.take(&format!("{what} {} of {count}", k + 1))?;
        if l.ends_with(':') || l == "END." {
            return err(
                n,
                format!("found {l:?} after {k} {what}, but the header announces {count}"),
            );
        }
        out.push((n, l.split_whitespace().collect()));
    }
    Ok(out)
}

/// Parses an instance in the `.ctt` format.
pub fn parse(text: &str) -> Result<Instance, ParseError> {
    let mut lines = Lines::new(text);
    let (_, name) = header(&mut lines, "Name")?;
    let mut counts = Vec::new();
    for key in [
        "Courses",
        "Rooms",
        "Days",
        "Periods_per_day",
        "Curricula",
        "Constraints",
    ] {
        let (n, v) = header(&mut lines, key)?;
        counts.push((n, number(n, key, &v)?));
    }
    let n_courses = counts[0].1 as usize;
    let n_rooms = counts[1].1 as usize;
    let days = counts[2].1;
    let ppd = counts[3].1;
    let n_curricula = counts[4].1 as usize;
    let n_constraints = counts[5].1 as usize;
    if days == 0 || ppd == 0 {
        let line = if days == 0 { counts[2].0 } else { counts[3].0 };
        return err(line, "Days and Periods_per_day must be at least 1");
    }

    section(&mut lines, "COURSES:", 0, "header lines")?;
    let mut courses = Vec::with_capacity(n_courses);
    let mut teachers: Vec<String> = Vec::new();
    let mut teacher_ix: HashMap<String, usize> = HashMap::new();
    let mut course_ix: HashMap<String, usize> = HashMap::new();
    for (n, f) in rows(&mut lines, n_courses, "courses")? {
        if f.len() != 5 {
            return err(
                n,
                format!(
                    "a course line is \"course teacher lectures min_working_days students\"; found {} fields",
                    f.len()
                ),
            );
        }
        if course_ix.contains_key(f[0]) {
            return err(n, format!("course {} is listed twice", f[0]));
        }
        let teacher = *teacher_ix.entry(f[1].to_owned()).or_insert_with(|| {
            teachers.push(f[1].to_owned());
            teachers.len() - 1
        });
        let lectures = number(n, "lectures", f[2])?;
        let min_days = number(n, "min_working_days", f[3])?;
        let students = number(n, "students", f[4])?;
        if lectures == 0 {
            return err(n, format!("course {} has no lectures", f[0]));
        }
        course_ix.insert(f[0].to_owned(), courses.len());
        courses.push(Course {
            id: f[0].to_owned(),
            teacher,
            lectures,
            min_days,
            students,
        });
    }

    section(&mut lines, "ROOMS:", n_courses, "courses")?;
    let mut rooms = Vec::with_capacity(n_rooms);
    for (n, f) in rows(&mut lines, n_rooms, "rooms")? {
        if f.len() != 2 {
            return err(
                n,
                format!("a room line is \"room capacity\"; found {} fields", f.len()),
            );
        }
        if rooms.iter().any(|r: &Room| r.id == f[0]) {
            return err(n, format!("room {} is listed twice", f[0]));
        }
        rooms.push(Room {
            id: f[0].to_owned(),
            capacity: number(n, "capacity", f[1])?,
        });
    }

    section(&mut lines, "CURRICULA:", n_rooms, "rooms")?;
    let mut curricula = Vec::with_capacity(n_curricula);
    for (n, f) in rows(&mut lines, n_curricula, "curricula")? {
        if f.len() < 2 {
            return err(
                n,
                "a curriculum line is \"curriculum n course_1 … course_n\"",
            );
        }
        let k = number(n, "the number of courses", f[1])? as usize;
        if f.len() - 2 != k {
            return err(
                n,
                format!(
                    "curriculum {} announces {k} courses but lists {}",
                    f[0],
                    f.len() - 2
                ),
            );
        }
        let mut members = Vec::with_capacity(k);
        for id in &f[2..] {
            let Some(&c) = course_ix.get(*id) else {
                return err(n, format!("curriculum {}: unknown course {id}", f[0]));
            };
            if !members.contains(&c) {
                members.push(c);
            }
        }
        curricula.push(Curriculum {
            id: f[0].to_owned(),
            courses: members,
        });
    }

    section(
        &mut lines,
        "UNAVAILABILITY_CONSTRAINTS:",
        n_curricula,
        "curricula",
    )?;
    let mut unavailability = Vec::with_capacity(n_constraints);
    for (n, f) in rows(&mut lines, n_constraints, "constraints")? {
        if f.len() != 3 {
            return err(
                n,
                format!(
                    "a constraint line is \"course day period\"; found {} fields",
                    f.len()
                ),
            );
        }
        let Some(&course) = course_ix.get(f[0]) else {
            return err(
                n,
                format!("unavailability constraint: unknown course {}", f[0]),
            );
        };
        let day = number(n, "day", f[1])?;
        let period = number(n, "period", f[2])?;
        if day >= days || period >= ppd {
            return err(
                n,
                format!("day {day} period {period} is outside the {days} × {ppd} grid"),
            );
        }
        unavailability.push(Unavailability {
            course,
            day,
            period,
        });
    }
    let (n, l) = lines.take("END.")?;
    if l != "END." {
        return err(
            n,
            format!(
                "expected END. after {n_constraints} constraints, found {l:?} (the header's count does not match)"
            ),
        );
    }
    if let Some((n, l)) = lines.peek() {
        return err(n, format!("unexpected text after END.: {l:?}"));
    }
    Ok(Instance {
        name,
        days,
        periods_per_day: ppd,
        courses,
        teachers,
        rooms,
        curricula,
        unavailability,
    })
}

/// One placed lecture: `course room day period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Lecture {
    pub course: usize,
    pub room: usize,
    pub day: u32,
    pub period: u32,
}

/// Parses a solution (one `course room day period` line per lecture) against its instance.
pub fn parse_solution(inst: &Instance, text: &str) -> Result<Vec<Lecture>, ParseError> {
    let mut out = Vec::new();
    for (i, l) in text.lines().enumerate() {
        let n = i + 1;
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.is_empty() {
            continue;
        }
        if f.len() != 4 {
            return err(n, "a solution line is \"course room day period\"");
        }
        let Some(course) = inst.course_index(f[0]) else {
            return err(n, format!("unknown course {}", f[0]));
        };
        let Some(room) = inst.room_index(f[1]) else {
            return err(n, format!("unknown room {}", f[1]));
        };
        let day = number(n, "day", f[2])?;
        let period = number(n, "period", f[3])?;
        if day >= inst.days || period >= inst.periods_per_day {
            return err(n, format!("day {day} period {period} is outside the grid"));
        }
        out.push(Lecture {
            course,
            room,
            day,
            period,
        });
    }
    Ok(out)
}
