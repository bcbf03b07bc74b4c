"""Assembles README.md from the fragments in docs/readme/, in file-name order."""

from pathlib import Path

HERE = Path(__file__).parent
parts = [p.read_text().strip() for p in sorted((HERE / "readme").glob("*.md"))]
(HERE.parent / "README.md").write_text("\n\n".join(parts) + "\n")
print(f"README.md from {len(parts)} fragments")
