//! Identifiers. Newtypes so an appeal id cannot be passed where a specialist id is wanted.

use serde::{Deserialize, Serialize};

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "specta", derive(specta::Type))]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id!(
    /// A specialist (support engineer).
    SpecialistId
);
id!(
    /// An appeal (one episode of work with a client).
    AppealId
);
id!(
    /// A client: a person connected to a line.
    ClientId
);
id!(
    /// A support line.
    LineId
);
id!(
    /// A ticket queue.
    QueueId
);
