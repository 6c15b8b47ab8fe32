//! W3: a specialist asks their company's staff line for help as a client of it. When they also
//! serve the staff line and are Available, routing would offer them their own question: the
//! dispatcher remembers who asked and never routes the appeal to them automatically (on
//! arrival, from the queue, after a hand-back). They can still be given it on purpose (a
//! transfer to them, a take by hand), as any specialist can.

use super::{Dispatcher, Movement, RoutingError};
use crate::ids::{AppealId, SpecialistId};

impl Dispatcher {
    /// A1/A2: a new appeal asked by specialist `asker` as a client of this (staff) line
    /// arrives; it goes to anyone eligible but them, else the queue.
    pub fn arrive_asked_by(
        &mut self,
        appeal: AppealId,
        priority: u8,
        responsible: Vec<SpecialistId>,
        asker: SpecialistId,
    ) -> Result<Movement, RoutingError> {
        if self.priorities.contains_key(&appeal) {
            return Err(RoutingError::DuplicateAppeal(appeal));
        }
        self.asked_by.insert(appeal, asker);
        self.arrive(appeal, priority, responsible)
    }

    /// After [`Dispatcher::restore`]: the restored appeal was asked by specialist `asker`.
    pub fn restore_asked_by(&mut self, appeal: AppealId, asker: SpecialistId) {
        if self.priorities.contains_key(&appeal) {
            self.asked_by.insert(appeal, asker);
        }
    }

    /// The specialist who asked `appeal` as a client of the staff line, if one did.
    pub fn asked_by(&self, appeal: AppealId) -> Option<SpecialistId> {
        self.asked_by.get(&appeal).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presence::PresenceStatus;
    use crate::routing::Specialist;

    fn specialist(id: u64, priority: u8) -> Specialist {
        Specialist {
            id: SpecialistId(id),
            presence: PresenceStatus::Available,
            priority,
            limit: 5,
            load: 0,
        }
    }

    #[test]
    fn w3_a_specialist_s_own_question_goes_to_a_colleague_never_to_them() {
        // Anna (1) is the staff line's preferred specialist; she asks for help herself.
        let mut d = Dispatcher::new([specialist(1, 9), specialist(2, 1)]);
        let moved = d
            .arrive_asked_by(AppealId(10), 0, vec![SpecialistId(1)], SpecialistId(1))
            .expect("arrive");
        assert_eq!(
            moved,
            Movement::Assigned {
                appeal: AppealId(10),
                to: SpecialistId(2)
            },
            "not to Anna, even as the preferred and responsible one"
        );
        // Anyone else's question still goes to Anna first.
        let other = d.arrive(AppealId(11), 0, Vec::new()).expect("arrive");
        assert_eq!(
            other,
            Movement::Assigned {
                appeal: AppealId(11),
                to: SpecialistId(1)
            }
        );
    }

    #[test]
    fn w3_with_only_the_asker_free_the_question_waits_and_is_skipped_in_the_queue() {
        let mut d = Dispatcher::new([specialist(1, 1), specialist(2, 1)]);
        d.set_presence(SpecialistId(2), PresenceStatus::Offline)
            .expect("offline");
        let asked = d
            .arrive_asked_by(AppealId(10), 9, Vec::new(), SpecialistId(1))
            .expect("arrive");
        assert_eq!(
            asked,
            Movement::Queued {
                appeal: AppealId(10)
            }
        );
        // A later appeal does not wait behind it: Anna takes it.
        let later = d.arrive(AppealId(11), 0, Vec::new()).expect("arrive");
        assert_eq!(
            later,
            Movement::Assigned {
                appeal: AppealId(11),
                to: SpecialistId(1)
            }
        );
        // Her colleague comes back: the question goes to them.
        let moves = d
            .set_presence(SpecialistId(2), PresenceStatus::Available)
            .expect("available");
        assert!(moves.contains(&Movement::Assigned {
            appeal: AppealId(10),
            to: SpecialistId(2)
        }));
    }

    #[test]
    fn w3_a_restored_question_keeps_its_asker_and_a_finished_one_forgets_them() {
        let mut d = Dispatcher::new([specialist(1, 1)]);
        d.restore(AppealId(10), 0, None);
        d.restore_asked_by(AppealId(10), SpecialistId(1));
        assert_eq!(d.asked_by(AppealId(10)), Some(SpecialistId(1)));
        assert!(d.rebalance().is_empty(), "still not hers after a restart");
        d.restore_asked_by(AppealId(99), SpecialistId(1));
        assert_eq!(d.asked_by(AppealId(99)), None, "no such appeal");
        d.finish(AppealId(10)).expect("finish");
        assert_eq!(d.asked_by(AppealId(10)), None);
    }
}
