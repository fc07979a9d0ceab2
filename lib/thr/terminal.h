// A full-screen session on a terminal, for `thrctl status --watch`: the alternate screen, a
// hidden cursor and keys read one at a time without echo, all undone by Leave() or the
// destructor, so that every way out (q, a signal, an error) gives the terminal back as it was.
#pragma once

#include <termios.h>

#include <string>
#include <string_view>
#include <vector>

namespace thr {

// Not thread-safe; one per process.
class TerminalSession {
 public:
  // `out` is the terminal's fd (stdout); `in` is the keyboard's (stdin), or -1 when it is not
  // a terminal (then no termios change is made).
  TerminalSession(int out, int in) : out_(out), in_(in) {}
  ~TerminalSession() { Leave(); }
  TerminalSession(const TerminalSession&) = delete;
  TerminalSession& operator=(const TerminalSession&) = delete;

  // Saves the termios of `in`, makes it non-canonical without echo (signals such as Ctrl-C
  // still work), switches to the alternate screen and hides the cursor. False, with
  // nothing changed, when `in`'s termios cannot be read or set.
  bool Enter();
  // Undoes Enter(); a no-op when not entered.
  void Leave();
  bool entered() const { return entered_; }

  // Writes `frame` at once (a frame is one write: no flicker between its parts).
  void Draw(std::string_view frame) const;
  // The window's size; 24 x 80 when the terminal does not say.
  void Size(int* rows, int* cols) const;

 private:
  const int out_;
  const int in_;
  bool entered_ = false;
  bool saved_valid_ = false;
  termios saved_{};
};

// ANSI sequences, here so that tests can name them.
inline constexpr std::string_view kEnterScreen = "\x1b[?1049h\x1b[?25l";  // alt screen, no cursor
inline constexpr std::string_view kLeaveScreen = "\x1b[?25h\x1b[?1049l";  // cursor, main screen

// One screen made of `lines` for a window of `rows` x `cols`, drawn from the top-left corner
// over the previous one (no clearing first, so no flicker): each line cut to `cols` columns,
// at most `rows` lines (the last then says how many were left out).
std::string ComposeFrame(const std::vector<std::string>& lines, int rows, int cols);

// `line` cut to `cols` visible columns (UTF-8 code points; ANSI "ESC [ ... m" sequences take
// none); `*width` gets the columns it takes.
std::string FitColumns(const std::string& line, size_t cols, size_t* width);

}  // namespace thr
