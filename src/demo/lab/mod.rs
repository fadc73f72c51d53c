//! Real servers on loopback, each with behaviours a test or the demo can switch at run time.
//!
//! Every server binds to a loopback address given by the caller (port 0 for a free one), runs
//! on the current tokio runtime, and stops when its handle is dropped.

pub mod dns;
pub mod http;
pub mod pki;
pub mod proxy;
pub mod serve;
pub mod tcp;
pub mod tls;

pub use serve::LabError;

use std::future::Future;
use std::pin::Pin;

use tokio::io::{AsyncRead, AsyncWrite};

/// A byte stream a lab server hands to the next layer (a TLS server to its HTTP handler).
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// A boxed stream, so one handler serves plain TCP and TLS connections alike.
pub type BoxedStream = Box<dyn Stream>;

/// Whatever answers on an accepted (and, for TLS, decrypted) connection.
pub trait ConnectionHandler: Send + Sync + 'static {
    fn handle(&self, stream: BoxedStream) -> Pin<Box<dyn Future<Output = ()> + Send>>;
}
