package sip2

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// MaxFrame is the longest frame ReadFrame accepts. Real responses are a
// few hundred bytes; the limit stops a broken peer from filling memory.
const MaxFrame = 64 << 10

// ErrFrameTooLong means a peer sent MaxFrame bytes without a CR.
var ErrFrameTooLong = errors.New("sip2: frame too long")

// ReadFrame reads one CR-terminated frame and returns it without the CR.
// An LF right after a previous CR (a CR LF terminator) is dropped; an LF
// anywhere else stays in the frame, as SIP2 servers treat it. At a clean
// end of stream it returns io.EOF; when the stream ends inside a frame it
// returns ErrTruncated wrapping io.ErrUnexpectedEOF.
func ReadFrame(r *bufio.Reader) ([]byte, error) {
	var frame []byte
	for {
		chunk, err := r.ReadSlice('\r')
		frame = append(frame, chunk...)
		if err == nil {
			break
		}
		if len(frame) >= MaxFrame {
			return nil, fmt.Errorf("%w: no CR in %d bytes", ErrFrameTooLong, len(frame))
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) && len(bytes.TrimLeft(frame, "\n")) > 0 {
			return nil, fmt.Errorf("%w: stream ended after %d bytes without CR: %w", ErrTruncated, len(frame), io.ErrUnexpectedEOF)
		}
		return nil, err
	}
	frame = bytes.TrimLeft(frame[:len(frame)-1], "\n")
	if len(frame) > MaxFrame {
		return nil, fmt.Errorf("%w: %d bytes", ErrFrameTooLong, len(frame))
	}
	return frame, nil
}
