"""One JSON file of parameters per province, named by its pinyin code."""
