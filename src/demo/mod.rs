//! The built-in outage on loopback, and the lab of servers it is made of.
//!
//! `lab` holds real servers (DNS, TLS ingress, HTTP app and proxy) bound to loopback, shared by
//! `warroom demo`, the integration tests and the benchmarks, so that what we show is what we test.
//! `world` assembles them into a webhook endpoint; `script` breaks it on a schedule and repairs
//! it when the matching mitigation is carried out.

pub mod access_log;
pub mod lab;
pub mod ledger;
pub mod script;
pub mod traffic;
pub mod world;
