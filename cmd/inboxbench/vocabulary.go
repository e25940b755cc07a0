package main

import "math/rand/v2"

// vocabularySize is the number of made-up words the seeded messages draw
// from, one word per message: with 1,000,000 messages each word occurs
// about 500 times, so a search for one is as selective as a search for a
// guest's name or a booking reference.
const vocabularySize = 2000

// vocabulary returns the made-up words, the same on every run (the search
// scenarios query the words the seeder used without reading the database).
func vocabulary() []string {
	rng := rand.New(rand.NewPCG(7, 11))
	consonants, vowels := "bcdfghklmnprstvz", "aeiou"
	seen := map[string]bool{}
	var words []string
	for len(words) < vocabularySize {
		n := 2 + rng.IntN(3)
		b := make([]byte, 0, 2*n)
		for i := 0; i < n; i++ {
			b = append(b, consonants[rng.IntN(len(consonants))], vowels[rng.IntN(len(vowels))])
		}
		if w := string(b); !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	return words
}
