// Signal names as operators write them (stop_signal) and as thrd reports them (reasons).
#include "thr/signals.h"

#include <doctest/doctest.h>
#include <signal.h>

#include <string>

namespace thr {
namespace {

TEST_CASE("Signals: ParseSignal takes a name with or without SIG, or a number") {
  CHECK(ParseSignal("SIGTERM") == SIGTERM);
  CHECK(ParseSignal("TERM") == SIGTERM);
  CHECK(ParseSignal("15") == SIGTERM);
  CHECK(ParseSignal("SIGINT") == SIGINT);
  CHECK(ParseSignal("INT") == SIGINT);
  CHECK(ParseSignal("2") == SIGINT);
  CHECK(ParseSignal("SIGKILL") == SIGKILL);
  CHECK(ParseSignal("SIGHUP") == SIGHUP);
  CHECK(ParseSignal("SIGUSR1") == SIGUSR1);
  CHECK(ParseSignal("QUIT") == SIGQUIT);
  CHECK(ParseSignal("1") == 1);
  CHECK(ParseSignal(std::to_string(NSIG - 1)) == NSIG - 1);
}

TEST_CASE("Signals: ParseSignal refuses what is not a signal") {
  for (const char* text : {"SIGFOO", "FOO", "0", "99999", "", "SIG", "-15", "+15", "15x", " 15",
                           "SIGTERM ", "SIG15", "TERMX"}) {
    CAPTURE(text);
    CHECK_FALSE(ParseSignal(text).has_value());
  }
  CHECK_FALSE(ParseSignal(std::to_string(NSIG)).has_value());
}

TEST_CASE("Signals: SignalName gives SIG and the abbreviation") {
  CHECK(SignalName(SIGKILL) == "SIGKILL");
  CHECK(SignalName(SIGTERM) == "SIGTERM");
  CHECK(SignalName(SIGINT) == "SIGINT");
  CHECK(SignalName(SIGSEGV) == "SIGSEGV");
  CHECK(SignalName(SIGSTOP) == "SIGSTOP");
}

TEST_CASE("Signals: a signal without a name is \"signal N\"") {
  CHECK(SignalName(SIGRTMIN + 1) == "signal " + std::to_string(SIGRTMIN + 1));
  CHECK(SignalName(NSIG - 1) == "signal " + std::to_string(NSIG - 1));
}

TEST_CASE("Signals: every named signal's name parses back to it") {
  for (int sig = 1; sig < SIGRTMIN; ++sig) {
    std::string name = SignalName(sig);
    CAPTURE(name);
    if (name.rfind("signal ", 0) == 0) continue;  // glibc's internal ones have no name
    CHECK(ParseSignal(name) == sig);
    CHECK(ParseSignal(name.substr(3)) == sig);
  }
}

}  // namespace
}  // namespace thr
