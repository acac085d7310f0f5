//go:build !linux

package web

import (
	"errors"
	"net"
	"time"
)

// setUserTimeout does nothing where TCP_USER_TIMEOUT is not available: a
// stream to a vanished reader then ends at the latest after maxStreamAge.
func setUserTimeout(*net.TCPConn, time.Duration) error { return nil }

func userTimeout(*net.TCPConn) (time.Duration, error) {
	return 0, errors.New("TCP_USER_TIMEOUT is not available on this platform")
}
