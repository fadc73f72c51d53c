//! A stream wrapper that notes when the first byte from the server arrived.
//!
//! hyper hands back a response only once its whole head is parsed, so on its own it cannot say
//! when the server started answering. The app hop wraps its stream in [`FirstByteClock`] to get
//! a true time to first byte, which also tells "answered at once, then trickled" apart from
//! "never answered" when the hop times out.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Instant;

/// Passes reads and writes through and records the instant of the first byte read.
pub(crate) struct FirstByteClock<S> {
    inner: S,
    first_byte: Arc<OnceLock<Instant>>,
}

impl<S> FirstByteClock<S> {
    /// Wraps `inner`; the returned cell is set when the first byte arrives.
    pub(crate) fn new(inner: S) -> (Self, Arc<OnceLock<Instant>>) {
        let first_byte = Arc::new(OnceLock::new());
        let clock = FirstByteClock {
            inner,
            first_byte: first_byte.clone(),
        };
        (clock, first_byte)
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for FirstByteClock<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let poll = Pin::new(&mut this.inner).poll_read(cx, buf);
        if matches!(poll, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            // Only the first call sets the cell; later ones are ignored on purpose.
            let _ = this.first_byte.set(Instant::now());
        }
        poll
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for FirstByteClock<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "an in-memory pipe does not fail")]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn the_first_byte_is_noted_once() {
        let (client, mut server) = tokio::io::duplex(64);
        let (mut clock, first_byte) = FirstByteClock::new(client);
        clock.write_all(b"GET").await.unwrap();
        assert!(first_byte.get().is_none(), "writing is not receiving");

        server.write_all(b"HT").await.unwrap();
        let mut buf = [0u8; 2];
        clock.read_exact(&mut buf).await.unwrap();
        let first = *first_byte.get().unwrap();
        server.write_all(b"TP").await.unwrap();
        clock.read_exact(&mut buf).await.unwrap();
        assert_eq!(*first_byte.get().unwrap(), first);
    }
}
