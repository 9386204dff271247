//! Feedback surveys (issue 16 §1): question kinds, checking a template's questions and a
//! respondent's answers, and the figures results show (average of a rating, Net Promoter Score,
//! response rate), computed from plain rows (value, count). Pure: the rows come from the store.

use crate::Invalid;
use serde::{Deserialize, Serialize};

/// What a question asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// A whole number from 1 (poor) to 5 (excellent).
    Rating,
    /// "How likely are you to recommend us?", 0 to 10.
    Nps,
    /// One of the options.
    SingleChoice,
    /// Any of the options.
    MultipleChoice,
    /// Free text.
    Text,
}

impl QuestionKind {
    pub const ALL: &'static [QuestionKind] = &[
        QuestionKind::Rating,
        QuestionKind::Nps,
        QuestionKind::SingleChoice,
        QuestionKind::MultipleChoice,
        QuestionKind::Text,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::Rating => "rating",
            QuestionKind::Nps => "nps",
            QuestionKind::SingleChoice => "single_choice",
            QuestionKind::MultipleChoice => "multiple_choice",
            QuestionKind::Text => "text",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            QuestionKind::Rating => "Rating 1–5",
            QuestionKind::Nps => "Recommendation 0–10",
            QuestionKind::SingleChoice => "One choice",
            QuestionKind::MultipleChoice => "Several choices",
            QuestionKind::Text => "Free text",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                format!(
                    "'{}' is not a question kind (rating, nps, single_choice, multiple_choice, text)",
                    s.trim().chars().take(40).collect::<String>()
                )
            })
    }

    /// The range of a numeric answer.
    pub fn range(self) -> Option<(i64, i64)> {
        match self {
            QuestionKind::Rating => Some((1, 5)),
            QuestionKind::Nps => Some((0, 10)),
            _ => None,
        }
    }

    pub fn has_options(self) -> bool {
        matches!(
            self,
            QuestionKind::SingleChoice | QuestionKind::MultipleChoice
        )
    }
}

/// Who a template asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// The learners of a session.
    Learner,
    /// The client's contacts (operations satisfaction).
    Client,
}

impl Audience {
    pub const ALL: &'static [Audience] = &[Audience::Learner, Audience::Client];

    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Learner => "learner",
            Audience::Client => "client",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Audience::Learner => "Learners",
            Audience::Client => "Client contacts",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .iter()
            .copied()
            .find(|a| a.as_str() == s.trim())
            .ok_or_else(|| "the audience is learner or client".to_owned())
    }
}

/// What a question is about: results group by it, and "operations" questions (logistics,
/// communication, materials, operations) feed the client satisfaction figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    Content,
    Instructor,
    Logistics,
    Communication,
    Materials,
    Operations,
    Overall,
}

impl Topic {
    pub const ALL: &'static [Topic] = &[
        Topic::Content,
        Topic::Instructor,
        Topic::Logistics,
        Topic::Communication,
        Topic::Materials,
        Topic::Operations,
        Topic::Overall,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Content => "content",
            Topic::Instructor => "instructor",
            Topic::Logistics => "logistics",
            Topic::Communication => "communication",
            Topic::Materials => "materials",
            Topic::Operations => "operations",
            Topic::Overall => "overall",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .iter()
            .copied()
            .find(|t| t.as_str() == s.trim())
            .ok_or_else(|| {
                format!(
                    "'{}' is not a topic (content, instructor, logistics, communication, materials, operations, overall)",
                    s.trim().chars().take(40).collect::<String>()
                )
            })
    }

    /// About how the training was run rather than what was taught.
    pub fn is_operations(self) -> bool {
        matches!(
            self,
            Topic::Logistics | Topic::Communication | Topic::Materials | Topic::Operations
        )
    }
}

/// A question as a template declares it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct QuestionSpec {
    pub kind: QuestionKind,
    pub topic: Topic,
    /// The question as the respondent reads it (at most 300 characters).
    pub prompt: String,
    /// An answer must be given.
    #[serde(default = "yes")]
    pub required: bool,
    /// The choices of a single or multiple choice question (2 to 12, distinct); empty otherwise.
    #[serde(default)]
    pub options: Vec<String>,
}

fn yes() -> bool {
    true
}

/// At most this many questions in a template.
pub const MAX_QUESTIONS: usize = 30;
/// At most this many characters in a free-text answer.
pub const MAX_TEXT: usize = 2000;

/// Checks a template's name and questions; the fields are `name` and `questions[i].prompt` /
/// `questions[i].options`. Returns the questions trimmed.
pub fn check_template(
    name: &str,
    questions: &[QuestionSpec],
) -> Result<Vec<QuestionSpec>, Invalid> {
    let mut inv = Invalid::new();
    let name = name.trim();
    if name.is_empty() {
        inv.add("name", "give the template a name");
    } else if name.chars().count() > 200 {
        inv.add("name", "at most 200 characters");
    }
    if questions.is_empty() {
        inv.add("questions", "a survey needs at least one question");
    } else if questions.len() > MAX_QUESTIONS {
        inv.add("questions", format!("at most {MAX_QUESTIONS} questions"));
    }
    let mut out = Vec::with_capacity(questions.len());
    for (i, q) in questions.iter().enumerate() {
        let prompt = q.prompt.trim().to_owned();
        if prompt.is_empty() {
            inv.add(&format!("questions[{i}].prompt"), "write the question");
        } else if prompt.chars().count() > 300 {
            inv.add(&format!("questions[{i}].prompt"), "at most 300 characters");
        }
        let options: Vec<String> = q
            .options
            .iter()
            .map(|o| o.trim().to_owned())
            .filter(|o| !o.is_empty())
            .collect();
        let field = format!("questions[{i}].options");
        if q.kind.has_options() {
            let mut seen = std::collections::BTreeSet::new();
            if !(2..=12).contains(&options.len()) {
                inv.add(&field, "a choice question needs 2 to 12 options");
            } else if options.iter().any(|o| !seen.insert(o.to_lowercase())) {
                inv.add(&field, "each option only once");
            } else if options.iter().any(|o| o.chars().count() > 100) {
                inv.add(&field, "each option at most 100 characters");
            }
        } else if !options.is_empty() {
            inv.add(&field, "only choice questions have options");
        }
        out.push(QuestionSpec {
            kind: q.kind,
            topic: q.topic,
            prompt,
            required: q.required,
            options,
        });
    }
    inv.or_ok(out)
}

/// Reads questions written one per line, as the template form takes them:
/// `kind | topic | question | option; option | optional` (the last two may be left out), e.g.
/// `rating | content | How useful was the content?` or
/// `single_choice | logistics | Did the joining instructions arrive? | Yes; No`. Blank lines
/// are skipped. Problems are reported under `questions`, by line.
pub fn parse_lines(text: &str) -> Result<Vec<QuestionSpec>, Invalid> {
    let mut inv = Invalid::new();
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 3 || cells.len() > 5 {
            inv.add(
                "questions",
                format!(
                    "line {}: write kind | topic | question (| options | optional)",
                    n + 1
                ),
            );
            continue;
        }
        let kind = QuestionKind::parse(cells[0]).map_err(|e| format!("line {}: {e}", n + 1));
        let topic = Topic::parse(cells[1]).map_err(|e| format!("line {}: {e}", n + 1));
        let required = match cells.get(4).copied().unwrap_or("") {
            "" | "required" => Ok(true),
            "optional" => Ok(false),
            other => Err(format!(
                "line {}: '{}' is neither optional nor required",
                n + 1,
                other.chars().take(40).collect::<String>()
            )),
        };
        match (kind, topic, required) {
            (Ok(kind), Ok(topic), Ok(required)) => out.push(QuestionSpec {
                kind,
                topic,
                prompt: cells[2].to_owned(),
                required,
                options: cells
                    .get(3)
                    .map(|o| {
                        o.split(';')
                            .map(|x| x.trim().to_owned())
                            .filter(|x| !x.is_empty())
                            .collect()
                    })
                    .unwrap_or_default(),
            }),
            (k, t, r) => {
                for e in [k.err(), t.err(), r.err()].into_iter().flatten() {
                    inv.add("questions", e);
                }
            }
        }
    }
    inv.or_ok(out)
}

/// The questions written one per line, as [`parse_lines`] reads them.
pub fn to_lines(questions: &[QuestionSpec]) -> String {
    questions
        .iter()
        .map(|q| {
            let mut line = format!("{} | {} | {}", q.kind.as_str(), q.topic.as_str(), q.prompt);
            if !q.options.is_empty() || !q.required {
                line.push_str(" | ");
                line.push_str(&q.options.join("; "));
            }
            if !q.required {
                line.push_str(" | optional");
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A stored question, as answers are checked against it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub id: i64,
    pub spec: QuestionSpec,
}

/// One answer as sent: a number (rating, NPS), chosen options, or text. Whatever does not fit
/// the question is refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RawAnswer {
    pub question_id: i64,
    /// A rating (1–5) or recommendation (0–10).
    #[serde(default)]
    pub value: Option<i64>,
    /// The chosen option(s) of a choice question.
    #[serde(default)]
    pub choices: Vec<String>,
    /// A free-text answer.
    #[serde(default)]
    pub text: Option<String>,
}

/// One stored answer row: a multiple-choice answer is one row per option chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerRow {
    pub question_id: i64,
    pub value: Option<i64>,
    pub choice: Option<String>,
    pub text: Option<String>,
}

/// The field an answer's problem is reported under: `q{id}`.
pub fn answer_field(question_id: i64) -> String {
    format!("q{question_id}")
}

/// Checks the answers against the questions: numbers in range, choices among the options (one
/// for a single choice), text within bounds, every required question answered, nothing for a
/// question that is not in the survey. Each problem names its question (`q{id}`) and quotes
/// its prompt. Returns the rows to store.
pub fn check_answers(
    questions: &[Question],
    answers: &[RawAnswer],
) -> Result<Vec<AnswerRow>, Invalid> {
    let mut inv = Invalid::new();
    let mut rows = Vec::new();
    for a in answers {
        if !questions.iter().any(|q| q.id == a.question_id) {
            inv.add(
                &answer_field(a.question_id),
                "there is no such question in this survey",
            );
        }
    }
    for q in questions {
        let field = answer_field(q.id);
        let given: Vec<&RawAnswer> = answers.iter().filter(|a| a.question_id == q.id).collect();
        if given.len() > 1 {
            inv.add(&field, format!("“{}”: answered twice", q.spec.prompt));
            continue;
        }
        let a = given.first();
        let text = a
            .and_then(|a| a.text.as_deref())
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let choices: Vec<&str> = a
            .map(|a| {
                a.choices
                    .iter()
                    .map(|c| c.trim())
                    .filter(|c| !c.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let value = a.and_then(|a| a.value);
        let empty = value.is_none() && choices.is_empty() && text.is_none();
        if empty {
            if q.spec.required {
                inv.add(&field, format!("“{}”: please answer", q.spec.prompt));
            }
            continue;
        }
        match q.spec.kind {
            QuestionKind::Rating | QuestionKind::Nps => {
                let (lo, hi) = q.spec.kind.range().unwrap_or((0, 0));
                match value {
                    Some(v) if (lo..=hi).contains(&v) && choices.is_empty() && text.is_none() => {
                        rows.push(AnswerRow {
                            question_id: q.id,
                            value: Some(v),
                            choice: None,
                            text: None,
                        });
                    }
                    Some(v) if !(lo..=hi).contains(&v) => inv.add(
                        &field,
                        format!("“{}”: {v} is not between {lo} and {hi}", q.spec.prompt),
                    ),
                    _ => inv.add(
                        &field,
                        format!("“{}”: a number from {lo} to {hi}", q.spec.prompt),
                    ),
                }
            }
            QuestionKind::SingleChoice | QuestionKind::MultipleChoice => {
                if value.is_some() || text.is_some() {
                    inv.add(
                        &field,
                        format!("“{}”: choose among the options", q.spec.prompt),
                    );
                    continue;
                }
                if let Some(bad) = choices
                    .iter()
                    .find(|c| !q.spec.options.iter().any(|o| o == *c))
                {
                    inv.add(
                        &field,
                        format!(
                            "“{}”: '{}' is not one of the options",
                            q.spec.prompt,
                            bad.chars().take(60).collect::<String>()
                        ),
                    );
                    continue;
                }
                let mut distinct: Vec<&str> = Vec::new();
                for c in choices {
                    if !distinct.contains(&c) {
                        distinct.push(c);
                    }
                }
                if q.spec.kind == QuestionKind::SingleChoice && distinct.len() > 1 {
                    inv.add(&field, format!("“{}”: choose one option", q.spec.prompt));
                    continue;
                }
                rows.extend(distinct.into_iter().map(|c| AnswerRow {
                    question_id: q.id,
                    value: None,
                    choice: Some(c.to_owned()),
                    text: None,
                }));
            }
            QuestionKind::Text => match text {
                Some(t) if value.is_none() && choices.is_empty() => {
                    if t.chars().count() > MAX_TEXT {
                        inv.add(
                            &field,
                            format!("“{}”: at most {MAX_TEXT} characters", q.spec.prompt),
                        );
                    } else {
                        rows.push(AnswerRow {
                            question_id: q.id,
                            value: None,
                            choice: None,
                            text: Some(t.to_owned()),
                        });
                    }
                }
                _ => inv.add(
                    &field,
                    format!("“{}”: write your answer as text", q.spec.prompt),
                ),
            },
        }
    }
    inv.or_ok(rows)
}

// ------------------------------------------------------------------ figures

/// The mean of numeric answers given as (value, how many), `None` when there are none.
pub fn average(counts: &[(i64, i64)]) -> Option<f64> {
    let n: i64 = counts.iter().map(|(_, c)| *c).sum();
    if n <= 0 {
        return None;
    }
    let sum: i64 = counts.iter().map(|(v, c)| v * c).sum();
    Some(sum as f64 / n as f64)
}

/// Net Promoter Score from 0–10 answers given as (value, how many): the percentage of
/// promoters (9, 10) minus the percentage of detractors (0 to 6), rounded to a whole number,
/// from −100 to 100; `None` when there are no answers.
pub fn nps(counts: &[(i64, i64)]) -> Option<i64> {
    let n: i64 = counts.iter().map(|(_, c)| *c).sum();
    if n <= 0 {
        return None;
    }
    let promoters: i64 = counts
        .iter()
        .filter(|(v, _)| *v >= 9)
        .map(|(_, c)| *c)
        .sum();
    let detractors: i64 = counts
        .iter()
        .filter(|(v, _)| *v <= 6)
        .map(|(_, c)| *c)
        .sum();
    Some(((promoters - detractors) as f64 * 100.0 / n as f64).round() as i64)
}

/// Answered ÷ invited as a percentage, `None` when nobody was invited.
pub fn response_rate(answered: i64, invited: i64) -> Option<f64> {
    (invited > 0).then(|| answered as f64 * 100.0 / invited as f64)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn q(id: i64, kind: QuestionKind, required: bool, options: &[&str]) -> Question {
        Question {
            id,
            spec: QuestionSpec {
                kind,
                topic: Topic::Content,
                prompt: format!("Question {id}"),
                required,
                options: options.iter().map(|o| o.to_string()).collect(),
            },
        }
    }

    fn num(id: i64, v: i64) -> RawAnswer {
        RawAnswer {
            question_id: id,
            value: Some(v),
            ..Default::default()
        }
    }

    #[test]
    fn ratings_and_nps_are_checked_for_range() {
        let qs = [
            q(1, QuestionKind::Rating, true, &[]),
            q(2, QuestionKind::Nps, true, &[]),
        ];
        assert_eq!(
            check_answers(&qs, &[num(1, 5), num(2, 0)]).unwrap().len(),
            2
        );
        let e = check_answers(&qs, &[num(1, 6), num(2, 10)]).unwrap_err();
        assert_eq!(e.errors.len(), 1);
        assert_eq!(e.errors[0].field, "q1");
        assert!(e.errors[0].message.contains("Question 1"), "{e}");
        let e = check_answers(&qs, &[num(1, 3), num(2, 11)]).unwrap_err();
        assert_eq!(e.errors[0].field, "q2");
        let e = check_answers(&qs, &[num(1, 0)]).unwrap_err();
        assert_eq!(
            e.errors.len(),
            2,
            "out of range and a required one missing: {e}"
        );
    }

    #[test]
    fn choices_must_be_options_and_single_means_one() {
        let qs = [
            q(1, QuestionKind::SingleChoice, true, &["Yes", "No"]),
            q(2, QuestionKind::MultipleChoice, false, &["A", "B", "C"]),
            q(3, QuestionKind::Text, false, &[]),
        ];
        let pick = |id, c: &[&str]| RawAnswer {
            question_id: id,
            choices: c.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        let rows = check_answers(&qs, &[pick(1, &["Yes"]), pick(2, &["A", "C", "A"])]).unwrap();
        assert_eq!(rows.len(), 3, "one per distinct option chosen");
        assert!(check_answers(&qs, &[pick(1, &["Yes", "No"])]).is_err());
        assert!(check_answers(&qs, &[pick(1, &["Maybe"])]).is_err());
        let text = RawAnswer {
            question_id: 3,
            text: Some("  Great room  ".into()),
            ..Default::default()
        };
        let rows = check_answers(&qs, &[pick(1, &["No"]), text]).unwrap();
        assert_eq!(rows[1].text.as_deref(), Some("Great room"));
        let stranger = num(99, 3);
        let e = check_answers(&qs, &[pick(1, &["No"]), stranger]).unwrap_err();
        assert_eq!(e.errors[0].field, "q99");
    }

    #[test]
    fn templates_are_checked() {
        let good = QuestionSpec {
            kind: QuestionKind::SingleChoice,
            topic: Topic::Logistics,
            prompt: " Was the room right? ".into(),
            required: true,
            options: vec!["Yes".into(), "No".into()],
        };
        let out = check_template("Ops", std::slice::from_ref(&good)).unwrap();
        assert_eq!(out[0].prompt, "Was the room right?");
        let mut bad = good.clone();
        bad.options = vec!["Yes".into()];
        let e = check_template("", &[bad]).unwrap_err();
        let fields: Vec<&str> = e.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "questions[0].options"]);
        assert!(check_template("x", &[]).is_err());
    }

    #[test]
    fn question_lines_read_back() {
        let text = "rating | content | Useful?\n\nsingle_choice | logistics | Room ok? | Yes; No\ntext | overall | More? | | optional";
        let qs = parse_lines(text).unwrap();
        assert_eq!(qs.len(), 3);
        assert_eq!(qs[1].options, ["Yes", "No"]);
        assert!(!qs[2].required);
        assert_eq!(parse_lines(&to_lines(&qs)).unwrap(), qs);
        let e = parse_lines("stars | content | x\nrating | nothing").unwrap_err();
        assert_eq!(e.errors.len(), 2, "{e}");
        assert!(e.errors[0].message.starts_with("line 1"));
    }

    #[test]
    fn figures_by_hand() {
        // 5, 4, 4, 2 → 3.75
        assert_eq!(average(&[(5, 1), (4, 2), (2, 1)]), Some(3.75));
        assert_eq!(average(&[]), None);
        // 10, 9 promoters; 8 passive; 6, 0 detractors: (2 − 2) / 5 = 0
        assert_eq!(nps(&[(10, 1), (9, 1), (8, 1), (6, 1), (0, 1)]), Some(0));
        // 3 promoters, 1 detractor of 4: 50
        assert_eq!(nps(&[(9, 3), (3, 1)]), Some(50));
        assert_eq!(response_rate(3, 4), Some(75.0));
        assert_eq!(response_rate(0, 0), None);
    }

    proptest! {
        #[test]
        fn nps_is_within_bounds(counts in proptest::collection::vec((0i64..=10, 0i64..50), 0..12)) {
            if let Some(x) = nps(&counts) {
                prop_assert!((-100..=100).contains(&x));
            }
        }

        #[test]
        fn an_average_lies_between_the_smallest_and_largest_answer(
            counts in proptest::collection::vec((1i64..=5, 1i64..50), 1..6)
        ) {
            let a = average(&counts).unwrap();
            let lo = counts.iter().map(|(v, _)| *v).min().unwrap() as f64;
            let hi = counts.iter().map(|(v, _)| *v).max().unwrap() as f64;
            prop_assert!(a >= lo - 1e-9 && a <= hi + 1e-9);
        }

        #[test]
        fn a_rating_is_accepted_exactly_in_range(v in -20i64..20) {
            let qs = [q(1, QuestionKind::Rating, true, &[])];
            prop_assert_eq!(check_answers(&qs, &[num(1, v)]).is_ok(), (1..=5).contains(&v));
        }
    }
}
