//! Feedback: the latest delivered sessions of the demo's history invite their people through
//! the same function marking a session delivered does, and about two thirds answered, mostly
//! content, with a few free-text comments. Bounded, so seeding stays quick.

use super::Seed;
use crate::AppError;
use std::collections::HashMap;
use trainyard_core::survey::{AnswerRow, QuestionKind};
use trainyard_store::Conn;
use trainyard_store::surveys as repo;

/// Sessions of the history that get their feedback.
const SESSIONS: i64 = 24;

const COMMENTS: &[&str] = &[
    "Very practical, the exercises made it stick.",
    "The room was too warm in the afternoon.",
    "Great instructor, clear and patient.",
    "The joining instructions came late.",
    "More time for questions, please.",
    "Materials were excellent; I will use them at work.",
];

/// Returns how many answered.
pub(super) async fn seed(c: &mut Conn, s: &mut Seed) -> Result<usize, AppError> {
    let sessions = repo::ended_without_invitations(c, s.now, SESSIONS).await?;
    for sid in &sessions {
        crate::surveys::invite_in(&s.app, c, &s.system, *sid, s.now).await?;
    }
    let mut questions = HashMap::new();
    let mut answered = 0;
    for (invitation, template) in repo::unanswered_of(c, &sessions).await? {
        if !s.dice.chance(65) {
            continue;
        }
        if let std::collections::hash_map::Entry::Vacant(e) = questions.entry(template) {
            e.insert(repo::get_template(c, template).await?.questions);
        }
        let Some(qs) = questions.get(&template) else {
            continue;
        };
        // A happy or a so-so respondent.
        let happy = s.dice.chance(75);
        let mut rows = Vec::new();
        for q in qs {
            let (value, choice, text) = match q.kind {
                QuestionKind::Rating => (
                    Some(if happy {
                        4 + s.dice.below(2) as i64
                    } else {
                        2 + s.dice.below(3) as i64
                    }),
                    None,
                    None,
                ),
                QuestionKind::Nps => (
                    Some(if happy {
                        8 + s.dice.below(3) as i64
                    } else {
                        4 + s.dice.below(5) as i64
                    }),
                    None,
                    None,
                ),
                QuestionKind::SingleChoice | QuestionKind::MultipleChoice => {
                    let i = if happy {
                        0
                    } else {
                        s.dice.below(q.options.len())
                    };
                    (None, q.options.get(i).cloned(), None)
                }
                QuestionKind::Text => {
                    if !s.dice.chance(35) {
                        continue;
                    }
                    (None, None, Some((*s.dice.pick(COMMENTS)).to_owned()))
                }
            };
            rows.push(AnswerRow {
                question_id: q.id,
                value,
                choice,
                text,
            });
        }
        if repo::claim_answer(c, invitation, s.now).await? {
            repo::insert_answers(c, invitation, &rows).await?;
            answered += 1;
        }
    }
    Ok(answered)
}
