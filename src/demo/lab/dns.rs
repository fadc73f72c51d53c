//! A UDP nameserver on loopback whose zone a test or the demo rewrites while it runs.
//!
//! Each name has one behaviour: answer with addresses (A for the IPv4 ones, AAAA for the IPv6
//! ones, NOERROR-empty for the family it has none of), answer with a CNAME to another name of the
//! zone, answer with an error code (NXDOMAIN, SERVFAIL, REFUSED), answer NOERROR with nothing, or
//! drop the query so the client times out. Names not in the zone get NXDOMAIN.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, PoisonError, RwLock};

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, CNAME};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use tokio::net::UdpSocket;
use tokio::task::JoinHandle;

use super::serve::{self, LabError};

/// How the server answers for one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameBehaviour {
    Addresses {
        addresses: Vec<IpAddr>,
        ttl_s: u32,
    },
    /// A CNAME to `target`, followed by `target`'s own addresses when the zone has them.
    Cname {
        target: String,
        ttl_s: u32,
    },
    NxDomain,
    ServFail,
    Refused,
    /// NOERROR without records: the name exists but has no address.
    NoData,
    /// No response at all.
    Drop,
}

type Zone = Arc<RwLock<HashMap<String, NameBehaviour>>>;

/// A running lab nameserver; dropping it stops it.
pub struct DnsServer {
    local_addr: SocketAddr,
    zone: Zone,
    task: JoinHandle<()>,
}

impl DnsServer {
    /// Binds UDP on `addr` (loopback only; port 0 picks a free one) with an empty zone.
    pub async fn start(addr: SocketAddr) -> Result<Self, LabError> {
        serve::ensure_loopback(addr)?;
        let socket = UdpSocket::bind(addr)
            .await
            .map_err(|source| LabError::Bind { addr, source })?;
        let local_addr = socket
            .local_addr()
            .map_err(|source| LabError::Bind { addr, source })?;
        let zone: Zone = Arc::default();
        let task = tokio::spawn(serve_queries(socket, zone.clone()));
        Ok(DnsServer {
            local_addr,
            zone,
            task,
        })
    }

    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Sets how `name` is answered from the next query on.
    pub fn set(&self, name: &str, behaviour: NameBehaviour) {
        self.zone
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(zone_key(name), behaviour);
    }

    /// Shorthand for answering `name` with `addresses` and a TTL of 60 seconds.
    pub fn set_addresses(&self, name: &str, addresses: &[IpAddr]) {
        self.set(
            name,
            NameBehaviour::Addresses {
                addresses: addresses.to_vec(),
                ttl_s: 60,
            },
        );
    }

    /// Removes `name`, which is then NXDOMAIN.
    pub fn remove(&self, name: &str) {
        self.zone
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&zone_key(name));
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn zone_key(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

async fn serve_queries(socket: UdpSocket, zone: Zone) {
    let mut buffer = vec![0u8; 4096];
    loop {
        let Ok((len, peer)) = socket.recv_from(&mut buffer).await else {
            continue;
        };
        let Ok(query) = Message::from_vec(&buffer[..len]) else {
            continue;
        };
        let snapshot = zone.read().unwrap_or_else(PoisonError::into_inner).clone();
        if let Some(response) = respond(&query, &snapshot)
            && let Ok(bytes) = response.to_vec()
        {
            // A lost UDP answer is what DNS clients are built to survive; nothing to do here.
            let _ = socket.send_to(&bytes, peer).await;
        }
    }
}

/// Builds the answer to `query` from the zone, or `None` to stay silent.
fn respond(query: &Message, zone: &HashMap<String, NameBehaviour>) -> Option<Message> {
    if query.metadata.message_type != MessageType::Query {
        return None;
    }
    let mut response = Message::response(query.metadata.id, query.metadata.op_code);
    response.metadata.recursion_desired = query.metadata.recursion_desired;
    response.metadata.recursion_available = true;
    response.metadata.authoritative = true;
    response.add_queries(query.queries.iter().cloned());

    let Some(question) = query.queries.first() else {
        response.metadata.response_code = ResponseCode::FormErr;
        return Some(response);
    };
    let record_type = question.query_type();
    let mut name = question.name().clone();
    // Follow CNAMEs inside the zone, at most a few links, as a resolver would expect.
    for _ in 0..8 {
        let behaviour = zone
            .get(&zone_key(&name.to_string()))
            .unwrap_or(&NameBehaviour::NxDomain);
        match behaviour {
            NameBehaviour::Drop => return None,
            NameBehaviour::NxDomain => {
                if response.answers.is_empty() {
                    response.metadata.response_code = ResponseCode::NXDomain;
                }
                break;
            }
            NameBehaviour::ServFail => {
                response.metadata.response_code = ResponseCode::ServFail;
                break;
            }
            NameBehaviour::Refused => {
                response.metadata.response_code = ResponseCode::Refused;
                break;
            }
            NameBehaviour::NoData => break,
            NameBehaviour::Addresses { addresses, ttl_s } => {
                for ip in addresses {
                    let data = match (ip, record_type) {
                        (IpAddr::V4(v4), RecordType::A) => RData::A(A(*v4)),
                        (IpAddr::V6(v6), RecordType::AAAA) => RData::AAAA(AAAA(*v6)),
                        _ => continue,
                    };
                    response.add_answer(Record::from_rdata(name.clone(), *ttl_s, data));
                }
                break;
            }
            NameBehaviour::Cname { target, ttl_s } => {
                let Ok(target) = Name::from_ascii(fqdn(target)) else {
                    response.metadata.response_code = ResponseCode::ServFail;
                    break;
                };
                let data = RData::CNAME(CNAME(target.clone()));
                response.add_answer(Record::from_rdata(name.clone(), *ttl_s, data));
                name = target;
            }
        }
    }
    Some(response)
}

fn fqdn(name: &str) -> String {
    if name.ends_with('.') {
        name.to_owned()
    } else {
        format!("{name}.")
    }
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    reason = "a malformed test case should stop the test loudly"
)]
mod tests {
    use super::*;
    use hickory_proto::op::{OpCode, Query};

    fn ask(
        zone: &HashMap<String, NameBehaviour>,
        name: &str,
        record_type: RecordType,
    ) -> Option<Message> {
        let mut query = Message::new(7, MessageType::Query, OpCode::Query);
        query.add_query(Query::query(Name::from_ascii(name).unwrap(), record_type));
        respond(&query, zone)
    }

    #[test]
    fn the_zone_answers_per_behaviour() {
        let mut zone = HashMap::new();
        zone.insert(
            "app.test".to_owned(),
            NameBehaviour::Addresses {
                addresses: vec!["127.0.0.1".parse().unwrap()],
                ttl_s: 30,
            },
        );
        zone.insert(
            "www.test".to_owned(),
            NameBehaviour::Cname {
                target: "app.test".to_owned(),
                ttl_s: 30,
            },
        );
        zone.insert("broken.test".to_owned(), NameBehaviour::ServFail);
        zone.insert("silent.test".to_owned(), NameBehaviour::Drop);

        let a = ask(&zone, "app.test.", RecordType::A).unwrap();
        assert_eq!(a.answers.len(), 1);
        let aaaa = ask(&zone, "app.test.", RecordType::AAAA).unwrap();
        assert!(aaaa.answers.is_empty());
        assert_eq!(aaaa.metadata.response_code, ResponseCode::NoError);
        let www = ask(&zone, "WWW.test.", RecordType::A).unwrap();
        assert_eq!(www.answers.len(), 2);
        let broken = ask(&zone, "broken.test.", RecordType::A).unwrap();
        assert_eq!(broken.metadata.response_code, ResponseCode::ServFail);
        let missing = ask(&zone, "missing.test.", RecordType::A).unwrap();
        assert_eq!(missing.metadata.response_code, ResponseCode::NXDomain);
        assert!(ask(&zone, "silent.test.", RecordType::A).is_none());
    }
}
