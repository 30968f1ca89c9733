// npm start: opens the course for a student: the course map and what to do next.
import { course } from '../course.ts';
import { formatCourseMap } from '../course-map.ts';
import { dim } from '../term.ts';

console.log(formatCourseMap(course().title));
console.log(dim('\nGrade any lab: npm run grade -- NN      Grade them all: npm run grade'));
