import { describe, expect, it } from "vitest";
import { updateMd5sums } from "./_md5sums.js";

describe("updateMd5sums", () => {
  it.each([
    ["replaces a changed file and appends a new one", `${"a".repeat(32)}  ./boot/grub/grub.cfg\n${"b".repeat(32)}  ./README.txt\n`,
      [["./boot/grub/grub.cfg", "c".repeat(32)], ["./maekin/payload.tar.gz", "d".repeat(32)]],
      `${"c".repeat(32)}  ./boot/grub/grub.cfg\n${"b".repeat(32)}  ./README.txt\n${"d".repeat(32)}  ./maekin/payload.tar.gz\n`],
    ["leaves text it does not understand", "header line\n", [], "header line\n"],
  ])("%s", (_name, text, changes, expected) => {
    expect(updateMd5sums(text, new Map(changes as [string, string][]))).toBe(expected);
  });
});
