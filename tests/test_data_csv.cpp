// read_csv: numeric tables with a label column, and errors that name the file, line and column.
#include <doctest/doctest.h>

#include <string>

#include <xgrad/xgrad.hpp>

#include "data_test_files.hpp"

namespace xd = xgrad::data;
using data_test::write_text;

TEST_CASE("read_csv: header, label column last by default, data as float32, labels as int64") {
  data_test::TempDir dir;
  write_text(dir / "iris.csv",
             "sepal_length,sepal_width,species\n"
             "5.1,3.5,0\n"
             "\n"  // blank lines are skipped
             "  6.2 , -1e-2 ,2\r\n"  // padding and a Windows line end
             "+4.0,7,1\n");
  const xd::CsvTable t = xd::read_csv(dir / "iris.csv");
  CHECK(t.data.dtype() == xg::kFloat32);
  CHECK(t.data.shape() == xg::Shape{3, 2});
  CHECK(t.data.to_vector() == std::vector<double>{5.1f, 3.5f, 6.2f, -1e-2f, 4.0f, 7.0f});
  CHECK(t.targets.dtype() == xg::kInt64);
  CHECK(t.targets.to_vector() == std::vector<double>{0, 2, 1});
  CHECK(t.columns == std::vector<std::string>{"sepal_length", "sepal_width"});
  CHECK(t.classes.empty());

  // The result feeds a TensorDataset directly.
  xd::TensorDataset ds(t.data, t.targets);
  CHECK(ds.size() == 3);
}

TEST_CASE("read_csv: label by name or index, chosen columns, no header, other delimiters, quotes") {
  data_test::TempDir dir;
  write_text(dir / "a.csv",
             "id;\"x;1\";label;\"say \"\"y\"\"\"\n"
             "10;1.5;3;-2\n"
             "11;\"2.5\";4;-3\n");
  const xd::CsvTable by_name =
      xd::read_csv(dir / "a.csv", {.delimiter = ';', .label_name = "label", .columns = {1, -1}, .dtype = xg::kFloat64});
  CHECK(by_name.data.dtype() == xg::kFloat64);
  CHECK(by_name.data.to_vector() == std::vector<double>{1.5, -2, 2.5, -3});
  CHECK(by_name.targets.to_vector() == std::vector<double>{3, 4});
  CHECK(by_name.columns == std::vector<std::string>{"x;1", "say \"y\""});

  const xd::CsvTable by_index = xd::read_csv(dir / "a.csv", {.delimiter = ';', .label_column = 0});
  CHECK(by_index.targets.to_vector() == std::vector<double>{10, 11});
  CHECK(by_index.data.shape() == xg::Shape{2, 3});

  write_text(dir / "b.tsv", "1\t2\t0.5\n3\t4\t0.25\n");
  const xd::CsvTable regression =
      xd::read_csv(dir / "b.tsv", {.header = false, .delimiter = '\t', .label_dtype = xg::kFloat32});
  CHECK(regression.targets.dtype() == xg::kFloat32);
  CHECK(regression.targets.to_vector() == std::vector<double>{0.5, 0.25});
  CHECK(regression.columns == std::vector<std::string>{"column 1", "column 2"});

  const xd::CsvTable unlabeled = xd::read_csv(dir / "b.tsv", {.header = false, .delimiter = '\t', .label_column = std::nullopt});
  CHECK_FALSE(unlabeled.targets.defined());
  CHECK(unlabeled.data.shape() == xg::Shape{2, 3});

  // Integral labels written as reals are accepted as integers.
  write_text(dir / "c.csv", "x,y\n1,2.0\n2,1e1\n");
  CHECK(xd::read_csv(dir / "c.csv").targets.to_vector() == std::vector<double>{2, 10});

  // A header-only file has no rows.
  write_text(dir / "d.csv", "x,y\n");
  CHECK(xd::read_csv(dir / "d.csv").data.shape() == xg::Shape{0, 1});
}

TEST_CASE("read_csv: categorical labels numbered in sorted order") {
  data_test::TempDir dir;
  write_text(dir / "flowers.csv", "w,h,kind\n1,2,versicolor\n3,4,setosa\n5,6,virginica\n7,8,setosa\n");
  const xd::CsvTable t = xd::read_csv(dir / "flowers.csv", {.categorical_label = true});
  CHECK(t.classes == std::vector<std::string>{"setosa", "versicolor", "virginica"});
  CHECK(t.targets.to_vector() == std::vector<double>{1, 0, 2, 0});
}

TEST_CASE("read_csv: every error names the file, the line and the column") {
  data_test::TempDir dir;
  struct Case {
    const char* what;
    std::string text;
    xd::CsvOptions options;
    std::vector<std::string> parts;
  };
  const std::vector<Case> cases = {
      {"not a number", "a,b,y\n1,2,0\n3,abc,1\n", {}, {"line 3, column 2 ('b'): 'abc' is not a number"}},
      {"trailing junk", "a,b,y\n1,2x,0\n", {}, {"line 2, column 2 ('b'): '2x' is not a number"}},
      {"empty field", "a,b,y\n1,,0\n", {}, {"line 2, column 2 ('b'): empty field"}},
      {"too few fields", "a,b,y\n1,2,0\n\n1,2\n", {}, {"line 4, column 3 ('y'): 2 fields, but line 1 has 3"}},
      {"too many fields", "a,b,y\n1,2,0,9\n", {}, {"line 2, column 4: 4 fields, but line 1 has 3"}},
      {"label not an integer", "a,y\n1,0\n2,1.5\n", {}, {"line 3, column 2 ('y'): '1.5' is not an integer label"}},
      {"label text", "a,y\n1,cat\n", {}, {"line 2, column 2 ('y'): 'cat' is not a number"}},
      {"unterminated quote", "a,y\n\"1,0\n", {}, {"line 2, column 1 ('a'): unterminated quoted field"}},
      {"junk after quote", "a,y\n\"1\"x,0\n", {}, {"line 2, column 1 ('a'): unexpected characters after a closing quote"}},
      {"no such label name", "a,y\n1,0\n", {.label_name = "z"}, {"line 1: no column named 'z'", "'a', 'y'"}},
      {"label index out of range", "a,y\n1,0\n", {.label_column = 5}, {"line 1: label_column 5 is out of range for 2 columns"}},
      {"label used as data", "a,y\n1,0\n", {.columns = {1}}, {"line 1, column 2 ('y'): this is the label column"}},
      {"headerless label name", "1,0\n", {.header = false, .label_name = "y"}, {"line 1: label_name needs a header"}},
      {"empty file", "", {}, {"line 1: the file is empty"}},
      {"huge number", "a,y\n1e999,0\n", {}, {"line 2, column 1 ('a'): '1e999' is out of range"}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    write_text(dir / "bad.csv", c.text);
    try {
      xd::read_csv(dir / "bad.csv", c.options);
      FAIL_CHECK("no exception for: " << c.what);
    } catch (const xg::Error& e) {
      const std::string message = e.what();
      CHECK_MESSAGE(message.find("read_csv: '") != std::string::npos, message);
      CHECK_MESSAGE(message.find("bad.csv") != std::string::npos, message);
      for (const auto& part : c.parts) CHECK_MESSAGE(message.find(part) != std::string::npos, message);
    }
  }
  CHECK_THROWS_WITH_AS(xd::read_csv(dir / "missing.csv"), doctest::Contains("missing.csv"), xg::Error);
}
