// The cron grammar and the match rule (lib/thr/cron.h). Next fire times against a brute-force
// evaluator are in cron_fire_test.cpp.
#include "thr/cron.h"

#include <doctest/doctest.h>

#include <string>

namespace thr {
namespace {

CronExpr Parse(const std::string& text) {
  CronExpr e;
  Status s = ParseCron(text, &e);
  INFO(text, ": ", s.ToString());
  REQUIRE(s.ok());
  return e;
}

std::string ErrorOf(const std::string& text) {
  CronExpr e;
  Status s = ParseCron(text, &e);
  INFO(text);
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == Status::Code::kInvalidConfig);
  return s.message();
}

date::local_seconds Local(int y, unsigned mo, unsigned d, int h, int mi, int s = 0) {
  return date::local_days{date::year{y} / mo / d} + std::chrono::hours{h} +
         std::chrono::minutes{mi} + std::chrono::seconds{s};
}

TEST_CASE("Cron: five fields mean seconds = 0; six have a leading seconds field") {
  CronExpr five = Parse("30 2 * * *");
  CHECK(five.seconds.count() == 1);
  CHECK(five.seconds[0]);
  CHECK(five.minutes.count() == 1);
  CHECK(five.minutes[30]);
  CHECK(five.hours[2]);
  CHECK(five.days_of_month.count() == 31);
  CHECK(five.months.count() == 12);
  CHECK(five.days_of_week.count() == 7);
  CHECK(five.dom_star);
  CHECK(five.dow_star);
  CHECK_FALSE(five.keeps_rhythm);

  CronExpr six = Parse("*/2 30 2 * * *");
  CHECK(six.seconds.count() == 30);
  CHECK(six.seconds[58]);
  CHECK_FALSE(six.seconds[1]);
  CHECK(six.keeps_rhythm);
  CHECK(Parse("\t0  0\t1 1 *  ") == Parse("0 0 1 1 *"));  // any blanks, any number of them
}

TEST_CASE("Cron: lists, ranges and steps") {
  CHECK(Parse("1,5,10-12 * * * *").minutes.to_string() ==
        std::bitset<60>{(1ULL << 1) | (1ULL << 5) | (7ULL << 10)}.to_string());
  CHECK(Parse("*/15 * * * *").minutes ==
        std::bitset<60>{(1ULL << 0) | (1ULL << 15) | (1ULL << 30) | (1ULL << 45)});
  CHECK(Parse("1-10/3 * * * *").minutes ==
        std::bitset<60>{(1ULL << 1) | (1ULL << 4) | (1ULL << 7) | (1ULL << 10)});
  CHECK(Parse("5/15 * * * *").minutes ==
        std::bitset<60>{(1ULL << 5) | (1ULL << 20) | (1ULL << 35) | (1ULL << 50)});
  CHECK(Parse("0 */6 * * *").hours == std::bitset<24>{1 | (1 << 6) | (1 << 12) | (1 << 18)});
  CHECK(Parse("0 0 */10 * *").days_of_month ==
        std::bitset<32>{(1U << 1) | (1U << 11) | (1U << 21) | (1U << 31)});
  CHECK(Parse("0 0 * */5 *").months == std::bitset<13>{(1 << 1) | (1 << 6) | (1 << 11)});
  CHECK(Parse("0 0 * * 1-5/2").days_of_week == std::bitset<7>{(1 << 1) | (1 << 3) | (1 << 5)});
}

TEST_CASE("Cron: month and weekday names in any case; 0 and 7 are both Sunday") {
  CHECK(Parse("0 0 * JAN,mar,Dec *").months == Parse("0 0 * 1,3,12 *").months);
  CHECK(Parse("0 0 * feb-APR *").months == Parse("0 0 * 2-4 *").months);
  CHECK(Parse("0 0 * * MON-FRI").days_of_week == Parse("0 0 * * 1-5").days_of_week);
  CHECK(Parse("0 0 * * sun").days_of_week == std::bitset<7>{1});
  CHECK(Parse("0 0 * * 7").days_of_week == std::bitset<7>{1});
  CHECK(Parse("0 0 * * 0").days_of_week == std::bitset<7>{1});
  CHECK(Parse("0 0 * * 5-7").days_of_week == std::bitset<7>{1 | (1 << 5) | (1 << 6)});
  CHECK(Parse("0 0 * * SAT,sUn").days_of_week == std::bitset<7>{1 | (1 << 6)});
}

TEST_CASE("Cron: the @ forms are their five-field expansions") {
  CHECK(Parse("@yearly") == Parse("0 0 1 1 *"));
  CHECK(Parse("@annually") == Parse("0 0 1 1 *"));
  CHECK(Parse("@monthly") == Parse("0 0 1 * *"));
  CHECK(Parse("@weekly") == Parse("0 0 * * 0"));
  CHECK(Parse("@daily") == Parse("0 0 * * *"));
  CHECK(Parse("@midnight") == Parse("0 0 * * *"));
  CHECK(Parse("@HOURLY") == Parse("0 * * * *"));
  CHECK(Parse(" @daily ") == Parse("0 0 * * *"));
  CHECK(Parse("@hourly").keeps_rhythm);  // the hour field is '*'
  CHECK_FALSE(Parse("@daily").keeps_rhythm);
}

TEST_CASE("Cron: day of month and day of week combine as in Vixie cron") {
  // Neither begins with '*': either may match. 2026-02-13 is a Friday, 2026-03-13 too;
  // 2026-02-20 is a Friday, 2026-02-14 a Saturday.
  CronExpr either = Parse("0 0 13 * 5");
  CHECK(CronMatches(either, Local(2026, 2, 13, 0, 0)));
  CHECK(CronMatches(either, Local(2026, 2, 20, 0, 0)));
  CHECK(CronMatches(either, Local(2026, 4, 13, 0, 0)));  // a Monday
  CHECK_FALSE(CronMatches(either, Local(2026, 2, 14, 0, 0)));
  // One begins with '*' (even as a step): both must match.
  CronExpr both = Parse("0 0 */2 * 5");  // odd days that are Fridays
  CHECK(CronMatches(both, Local(2026, 2, 13, 0, 0)));
  CHECK_FALSE(CronMatches(both, Local(2026, 2, 20, 0, 0)));
  CHECK_FALSE(CronMatches(both, Local(2026, 2, 15, 0, 0)));
  CronExpr dow_star = Parse("0 0 13 * *");
  CHECK(CronMatches(dow_star, Local(2026, 4, 13, 0, 0)));
  CHECK_FALSE(CronMatches(dow_star, Local(2026, 2, 20, 0, 0)));
  CronExpr dow_step = Parse("0 0 1 * */7");               // '*' first: AND, and */7 is only Sunday
  CHECK(CronMatches(dow_step, Local(2026, 2, 1, 0, 0)));  // a Sunday
  CHECK_FALSE(CronMatches(dow_step, Local(2026, 1, 1, 0, 0)));
}

TEST_CASE("Cron: CronMatches checks every field to the second") {
  CronExpr e = Parse("15 30 2 29 2 *");
  CHECK(CronMatches(e, Local(2028, 2, 29, 2, 30, 15)));
  CHECK_FALSE(CronMatches(e, Local(2028, 2, 29, 2, 30, 16)));
  CHECK_FALSE(CronMatches(e, Local(2028, 2, 29, 2, 31, 15)));
  CHECK_FALSE(CronMatches(e, Local(2028, 2, 29, 3, 30, 15)));
  CHECK_FALSE(CronMatches(e, Local(2028, 3, 29, 2, 30, 15)));
  CHECK_FALSE(CronMatches(Parse("* * * * *"), Local(2026, 1, 1, 0, 0, 1)));
  CHECK(CronMatches(Parse("* * * * * *"), Local(2026, 1, 1, 0, 0, 1)));
}

TEST_CASE("Cron: each kind of error names the field by its place and what is wrong") {
  CHECK(ErrorOf("0 0 25 * * *") == "field 3 (hour): \"25\" is out of range 0-23");
  CHECK(ErrorOf("0 25 * * *") == "field 2 (hour): \"25\" is out of range 0-23");
  CHECK(ErrorOf("60 * * * * *") == "field 1 (second): \"60\" is out of range 0-59");
  CHECK(ErrorOf("60 * * * *") == "field 1 (minute): \"60\" is out of range 0-59");
  CHECK(ErrorOf("* 60 * * * *") == "field 2 (minute): \"60\" is out of range 0-59");
  CHECK(ErrorOf("0 0 0 * *") == "field 3 (day of month): \"0\" is out of range 1-31");
  CHECK(ErrorOf("0 0 32 * *") == "field 3 (day of month): \"32\" is out of range 1-31");
  CHECK(ErrorOf("0 0 * 13 *") == "field 4 (month): \"13\" is out of range 1-12");
  CHECK(ErrorOf("0 0 * 0 *") == "field 4 (month): \"0\" is out of range 1-12");
  CHECK(ErrorOf("0 0 0 * foo *") == "field 5 (month): \"foo\" is not a number or a name");
  CHECK(ErrorOf("0 0 * * 8") == "field 5 (day of week): \"8\" is out of range 0-7");
  CHECK(ErrorOf("0 0 0 * * funday") ==
        "field 6 (day of week): \"funday\" is not a number or a name");
  CHECK(ErrorOf("0 0 * * MON-XYZ") == "field 5 (day of week): \"XYZ\" is not a number or a name");
  CHECK(ErrorOf("*/0 * * * *") == "field 1 (minute): \"*/0\" has a step out of range 1-60");
  CHECK(ErrorOf("0 */25 * * *") == "field 2 (hour): \"*/25\" has a step out of range 1-24");
  CHECK(ErrorOf("*/x * * * *") == "field 1 (minute): \"*/x\" has a step that is not a number");
  CHECK(ErrorOf("*/ * * * *") == "field 1 (minute): \"*/\" has a step that is not a number");
  CHECK(ErrorOf("10-5 * * * *") ==
        "field 1 (minute): \"10-5\" is a range that ends before it starts");
  CHECK(ErrorOf("1,,2 * * * *") == "field 1 (minute): \"\" is empty (a stray comma?)");
  CHECK(ErrorOf("1, * * * *") == "field 1 (minute): \"\" is empty (a stray comma?)");
  CHECK(ErrorOf("-1 * * * *") == "field 1 (minute): \"-1\" is not a number");
  CHECK(ErrorOf("1- * * * *") == "field 1 (minute): \"1-\" is not a number");
  CHECK(ErrorOf("+1 * * * *") == "field 1 (minute): \"+1\" is not a number");
  CHECK(ErrorOf("1.5 * * * *") == "field 1 (minute): \"1.5\" is not a number");
  CHECK(ErrorOf("99999999999999999999 * * * *") ==
        "field 1 (minute): \"99999999999999999999\" is out of range 0-59");
  CHECK(ErrorOf("L * * * *") == "field 1 (minute): \"L\" is not a number");
  CHECK(ErrorOf("0 0 ? * *") == "field 3 (day of month): \"?\" is not a number");
  CHECK(ErrorOf("JAN * * * *") == "field 1 (minute): \"JAN\" is not a number");
  CHECK(ErrorOf("") == "expected 5 fields (6 with seconds), got 0");
  CHECK(ErrorOf("* * * *") == "expected 5 fields (6 with seconds), got 4");
  CHECK(ErrorOf("* * * * * * *") == "more than 6 fields (expected 5, or 6 with seconds)");
  CHECK(ErrorOf("@reboot").find("unknown schedule \"@reboot\"") == 0);
  CHECK(ErrorOf("@daily 0") == "expected 5 fields (6 with seconds), got 2");
}

TEST_CASE("Cron: a failed parse leaves the output alone") {
  CronExpr e = Parse("0 0 * * *");
  CronExpr before = e;
  CHECK_FALSE(ParseCron("0 0 * * 9", &e).ok());
  CHECK(e == before);
}

}  // namespace
}  // namespace thr
