#include "thr/line_splitter.h"

namespace thr {

void LineSplitter::Feed(std::string_view data) {
  while (!data.empty()) {
    size_t nl = data.find('\n');
    std::string_view chunk = data.substr(0, nl);
    if (nl != std::string_view::npos && partial_.empty() && chunk.size() <= max_line_) {
      emit_(chunk);  // the common case: a whole line, no copy
    } else {
      partial_.append(chunk);
      while (partial_.size() > max_line_) {
        std::string piece = partial_.substr(0, max_line_);
        piece += kContinuedMark;
        emit_(piece);
        partial_.erase(0, max_line_);
      }
      if (nl != std::string_view::npos) {
        emit_(partial_);
        partial_.clear();
      }
    }
    if (nl == std::string_view::npos) break;
    data.remove_prefix(nl + 1);
  }
}

void LineSplitter::Finish() {
  if (!partial_.empty()) emit_(partial_);
  partial_.clear();
}

}  // namespace thr
