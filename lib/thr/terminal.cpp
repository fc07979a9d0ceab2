#include "thr/terminal.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace thr {
namespace {

void WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the terminal is gone: nothing left to show anything on
    data.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

bool TerminalSession::Enter() {
  if (entered_) return true;
  if (in_ >= 0) {
    if (::tcgetattr(in_, &saved_) != 0) return false;
    termios raw = saved_;
    raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    if (::tcsetattr(in_, TCSANOW, &raw) != 0) return false;
    saved_valid_ = true;
  }
  WriteAll(out_, kEnterScreen);
  entered_ = true;
  return true;
}

void TerminalSession::Leave() {
  if (!entered_) return;
  entered_ = false;
  WriteAll(out_, kLeaveScreen);
  if (saved_valid_) ::tcsetattr(in_, TCSANOW, &saved_);
  saved_valid_ = false;
}

void TerminalSession::Draw(std::string_view frame) const { WriteAll(out_, frame); }

void TerminalSession::Size(int* rows, int* cols) const {
  winsize ws{};
  if (::ioctl(out_, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
    *rows = ws.ws_row;
    *cols = ws.ws_col;
  } else {
    *rows = 24;
    *cols = 80;
  }
}

std::string FitColumns(const std::string& line, size_t cols, size_t* width) {
  std::string out;
  size_t used = 0;
  bool styled = false;
  for (size_t i = 0; i < line.size();) {
    if (line[i] == '\x1b' && i + 1 < line.size() && line[i + 1] == '[') {
      size_t end = line.find('m', i);
      if (end == std::string::npos) end = line.size() - 1;
      out.append(line, i, end + 1 - i);  // a colour takes no column
      styled = true;
      i = end + 1;
      continue;
    }
    size_t len = 1;  // one UTF-8 code point: a lead byte and its continuation bytes
    while (i + len < line.size() && (static_cast<unsigned char>(line[i + len]) & 0xC0) == 0x80) {
      ++len;
    }
    if (used == cols) {
      if (styled) out += "\x1b[0m";  // a colour cut off must not run on
      break;
    }
    out.append(line, i, len);
    ++used;
    i += len;
  }
  *width = used;
  return out;
}

std::string ComposeFrame(const std::vector<std::string>& lines, int rows, int cols) {
  const size_t max_rows = static_cast<size_t>(std::max(rows, 1));
  const size_t width = static_cast<size_t>(std::max(cols, 1));
  size_t shown = lines.size();
  std::string more;
  if (shown > max_rows) {
    shown = max_rows - 1;
    more = "... " + std::to_string(lines.size() - shown) +
           " more lines: name jobs or enlarge the window";
  }
  std::string frame = "\x1b[H";  // home; each line overwrites the last frame's
  for (size_t i = 0; i <= shown; ++i) {
    const std::string& text = i < shown ? lines[i] : more;
    if (i == shown && more.empty()) break;
    if (i > 0) frame += '\n';  // never after the last row: that would scroll
    size_t used = 0;
    frame += FitColumns(text, width, &used);
    // Clear the rest of the row, unless the text filled it: at the last column, the cursor
    // still sits on the last character, which an erase would take.
    if (used < width) frame += "\x1b[K";
  }
  frame += "\x1b[J";  // and every row below, where a longer frame was
  return frame;
}

}  // namespace thr
