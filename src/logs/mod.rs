//! The `logs` domain module (being written).
